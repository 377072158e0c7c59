//! How a delivery's JSON object becomes its event's payload type without losing anything.
//!
//! The generated payload types ([`super::events`]) name the keys their page documents, every one
//! optional, and keep the others in a map. A live delivery can still disagree with the page (a
//! number sent as a string, a `null`): serde alone would refuse the whole payload for one such
//! key. [`parse`] keeps those keys, as sent, among the payload's unknown keys instead, with their
//! fields `None`, so the typed event holds every byte of meaning the delivery had.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A generated payload type: it keeps the keys it does not name.
pub trait Payload: DeserializeOwned {
    /// The map of keys the type does not name (`additional_properties`).
    fn unknown_keys(&mut self) -> &mut BTreeMap<String, Value>;
}

/// `object` as `T`: the keys sent as `null`, and those whose value does not fit their field, are
/// set aside and put among the unknown keys of the result. `Err` gives the object back when
/// even what is left does not make a `T` (a required key missing or misfit).
pub fn parse<T: Payload>(object: Map<String, Value>) -> Result<T, Map<String, Value>> {
    let (mut aside, present): (Map<String, Value>, Map<String, Value>) =
        object.into_iter().partition(|(_, value)| value.is_null());
    // Deserialized from a reference: the payload is not copied on the common path.
    let mut present = Value::Object(present);
    if let Ok(mut parsed) = T::deserialize(&present) {
        parsed.unknown_keys().extend(aside);
        return Ok(parsed);
    }
    if let Value::Object(object) = &mut present {
        // Which keys break it: each on its own (every documented field is optional).
        let misfits: Vec<String> = object
            .iter()
            .filter(|(key, value)| {
                let alone = Map::from_iter([((*key).clone(), (*value).clone())]);
                T::deserialize(Value::Object(alone)).is_err()
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in misfits {
            if let Some(value) = object.remove(&key) {
                aside.insert(key, value);
            }
        }
    }
    match T::deserialize(&present) {
        Ok(mut parsed) => {
            parsed.unknown_keys().extend(aside);
            Ok(parsed)
        }
        Err(_) => {
            let mut whole = match present {
                Value::Object(object) => object,
                _ => Map::new(),
            };
            whole.extend(aside);
            Err(whole)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Price {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(flatten)]
        other: BTreeMap<String, Value>,
    }

    impl Payload for Price {
        fn unknown_keys(&mut self) -> &mut BTreeMap<String, Value> {
            &mut self.other
        }
    }

    #[derive(Debug, Deserialize)]
    struct Strict {
        #[allow(dead_code, reason = "only whether it parses matters")]
        id: String,
        #[serde(flatten)]
        other: BTreeMap<String, Value>,
    }

    impl Payload for Strict {
        fn unknown_keys(&mut self) -> &mut BTreeMap<String, Value> {
            &mut self.other
        }
    }

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_payload_that_fits_parses_as_serde_would() {
        let price: Price = parse(object(json!({"amount": 10, "name": "A", "x": 1}))).unwrap();
        assert_eq!(price.amount, Some(10.0));
        assert_eq!(price.name.as_deref(), Some("A"));
        assert_eq!(price.other, BTreeMap::from([("x".to_owned(), json!(1))]));
    }

    #[test]
    fn misfits_and_nulls_are_kept_as_sent_and_serialize_back() {
        let sent = json!({"amount": "10.50", "name": null, "x": [1]});
        let price: Price = parse(object(sent.clone())).unwrap();
        assert_eq!(price.amount, None);
        assert_eq!(price.name, None);
        assert_eq!(price.other["amount"], json!("10.50"));
        assert_eq!(price.other["name"], Value::Null);
        assert_eq!(serde_json::to_value(&price).unwrap(), sent);
    }

    #[test]
    fn a_payload_missing_a_required_key_is_given_back_whole() {
        let sent = object(json!({"other": 1, "id": null}));
        let given_back = parse::<Strict>(sent.clone()).unwrap_err();
        assert_eq!(given_back, sent);
    }
}
