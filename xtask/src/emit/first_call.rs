//! The program a crate's front page and README open with: a client, then one real call of
//! the crate. The same text goes into the generated test crate (`tests/spec-tests`, module
//! `first_calls`), so every crate's first example compiles in CI exactly as a user reads it.

use crate::ir::{Api, Method, Operation, Param, Response, Ty};
use crate::naming;

/// The operation the first example calls: not deprecated, its required inputs all plain values
/// (strings, numbers, booleans) a reader can replace, no required body; a GET before anything
/// else, then one that answers a body, then the fewest inputs, then the shortest path (`/contacts/{contactId}` before
/// `/contacts/search/duplicate`), then the spec's order.
pub fn showcase(api: &Api) -> Option<&Operation> {
    api.operations
        .iter()
        .enumerate()
        .filter(|(_, op)| !op.deprecated && op.body.as_ref().is_none_or(|body| !body.required()))
        .filter(|(_, op)| required(op).all(|param| placeholder(param).is_some()))
        .min_by_key(|(index, op)| {
            let depth = op.path.split('/').filter(|part| !part.is_empty()).count();
            (
                op.method != Method::Get,
                required(op).count(),
                depth,
                *index,
            )
        })
        .map(|(_, op)| op)
}

fn required(op: &Operation) -> impl Iterator<Item = &Param> {
    op.path_params
        .iter()
        .chain(&op.params)
        .filter(|param| param.required)
}

/// A value for a required input, as Rust source: `"your-location-id"`, `10`, `true`.
fn placeholder(param: &Param) -> Option<String> {
    let in_bounds = |value: f64| {
        let value = param.minimum.map_or(value, |minimum| value.max(minimum));
        param.maximum.map_or(value, |maximum| value.min(maximum))
    };
    match param.ty {
        Ty::String => Some(format!("\"your-{}\"", param.name.replace('_', "-"))),
        Ty::Integer => Some(format!("{}", in_bounds(10.0).round() as i64)),
        Ty::Number => Some(format!("{:?}", in_bounds(10.0))),
        Ty::Boolean => Some("true".to_owned()),
        _ => None,
    }
}

/// The whole first program of `api`'s crate, as a user would write it.
pub fn program(api: &Api) -> String {
    let krate = naming::crate_ident(&api.crate_name);
    let client = &api.client_name;
    let call = match showcase(api) {
        Some(op) => {
            let args: Vec<String> = op.path_params.iter().filter_map(placeholder).collect();
            let setters: String = op
                .params
                .iter()
                .filter(|param| param.by_name())
                .filter_map(|param| Some(format!(".{}({})", param.name, placeholder(param)?)))
                .collect();
            let call = format!(
                "api.{}({}){setters}.send().await?;",
                op.fn_name,
                args.join(", ")
            );
            match op.response {
                Response::Json(_) => format!(
                    "    let api = {client}::new(client);\n    \
                     let answer = {call}\n    \
                     println!(\"{{answer:?}}\");\n"
                ),
                Response::Empty => format!("    let api = {client}::new(client);\n    {call}\n"),
            }
        }
        None => format!("    let _api = {client}::new(client);\n"),
    };
    format!(
        "use {krate}::{{Client, {client}}};\n\
         \n\
         #[tokio::main]\n\
         async fn main() -> Result<(), {krate}::Error> {{\n    \
         // A Private Integration Token or an OAuth access token, sent as `Bearer`.\n    \
         let client = Client::with_token(std::env::var(\"GHL_TOKEN\").unwrap_or_default())?;\n\
         {call}    \
         Ok(())\n\
         }}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ParamLocation;

    fn param(name: &str, ty: Ty, minimum: Option<f64>, maximum: Option<f64>) -> Param {
        Param {
            name: name.to_owned(),
            wire: name.to_owned(),
            location: ParamLocation::Query,
            ty,
            required: true,
            doc: None,
            minimum,
            maximum,
            joined: false,
            date_time: false,
        }
    }

    #[test]
    fn placeholders_are_values_a_reader_replaces_and_the_server_accepts() {
        let text = placeholder(&param("location_id", Ty::String, None, None));
        assert_eq!(text.as_deref(), Some("\"your-location-id\""));
        let limit = placeholder(&param("limit", Ty::Integer, Some(1.0), Some(5.0)));
        assert_eq!(limit.as_deref(), Some("5"));
        assert_eq!(
            placeholder(&param("amount", Ty::Number, None, None)).as_deref(),
            Some("10.0")
        );
        assert_eq!(
            placeholder(&param("ids", Ty::Array(Box::new(Ty::String)), None, None)),
            None
        );
    }
}
