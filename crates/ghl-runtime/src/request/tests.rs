//! `Request`: paths, queries, bodies and headers as they go on the wire.

use super::query::render_scalars;
use super::*;

#[test]
fn path_params_fill_their_own_part_encoded() {
    let request = Request::to(Method::GET, "/a/{id}/b/{idx}/{i}", "v")
        .path_param("idx", &"x/y {id}")
        .path_param("id", &7)
        .path_param("i", &2.0_f64);
    assert_eq!(request.path, "/a/7/b/x%2Fy%20%7Bid%7D/2");
    assert_eq!(request.path_template, "/a/{id}/b/{idx}/{i}");
    assert!(request.error.is_none());

    let missing = Request::to(Method::GET, "/a/{id}", "v").path_param("other", &1);
    let error = missing.error.expect("a part that is not there is an error");
    assert!(error.to_string().contains("`{other}`"), "{error}");
}

/// The OpenAPI query styles the specs use, one test each: `form` with `explode`
/// (the default: the key repeated) and without (one comma-separated value).
#[test]
fn form_style_with_explode_repeats_the_key() {
    let request = Request::to(Method::GET, "/r", "v")
        .query("fields", &["impressions", "clicks"])
        .query("limit", &10)
        .query("none", &Vec::<String>::new());
    assert_eq!(
        request.query,
        [
            ("fields", "impressions".to_owned()),
            ("fields", "clicks".to_owned()),
            ("limit", "10".to_owned())
        ]
    );
}

#[test]
fn form_style_without_explode_joins_with_commas() {
    let request = Request::to(Method::GET, "/r", "v")
        .query_joined("fields", &["impressions", "clicks", "cost_micros"])
        .query_joined("one", &["x"])
        .query_joined("scalar", &7)
        .query_joined("none", &Vec::<String>::new())
        .query_joined_opt("absent", None::<&Vec<String>>);
    assert_eq!(
        request.query,
        [
            ("fields", "impressions,clicks,cost_micros".to_owned()),
            ("one", "x".to_owned()),
            ("scalar", "7".to_owned())
        ]
    );
    let bad = Request::to(Method::GET, "/r", "v").query_joined("f", &[[1]]);
    assert!(bad.error.is_some());
}

#[test]
fn scalars_render() {
    assert_eq!(render_scalars(&50.0_f64).unwrap(), vec!["50"]);
    assert_eq!(render_scalars(&2.5_f64).unwrap(), vec!["2.5"]);
    assert_eq!(render_scalars(&-3_i64).unwrap(), vec!["-3"]);
    assert_eq!(render_scalars(&true).unwrap(), vec!["true"]);
    assert_eq!(render_scalars("a b").unwrap(), vec!["a b"]);
    assert_eq!(render_scalars(&["x", "y"]).unwrap(), vec!["x", "y"]);
    assert_eq!(render_scalars(&vec![1.0, 2.0]).unwrap(), vec!["1", "2"]);
    assert!(render_scalars(&None::<u8>).unwrap().is_empty());
    assert!(render_scalars(&serde_json::json!({"a": 1})).is_err());
    assert!(render_scalars(&serde_json::json!([[1]])).is_err());
}

/// The direct renderer gives what the `serde_json::Value` path gives, errors included.
#[test]
fn direct_rendering_matches_json_rendering() {
    #[derive(Serialize)]
    enum Kind {
        Plain,
        #[serde(rename = "renamed-variant")]
        Renamed,
        Data(u8),
    }
    #[derive(Serialize)]
    struct Wrapper(&'static str);
    #[derive(Serialize)]
    struct Fields {
        a: u8,
    }
    fn check<T: Serialize + ?Sized>(value: &T) {
        let mut out: Vec<(&'static str, String)> = vec![("before", "x".to_owned())];
        let direct = push_scalars(&mut out, "k", value, |v| v);
        let json = render_scalars(value);
        match (direct, json) {
            (Ok(()), Ok(values)) => {
                let got: Vec<String> = out[1..].iter().map(|(_, v)| v.clone()).collect();
                assert_eq!(got, values);
                assert!(out[1..].iter().all(|(n, _)| *n == "k"));
            }
            (Err(a), Err(b)) => {
                assert_eq!(a, b);
                assert_eq!(out.len(), 1, "nothing appended on error");
            }
            (a, b) => panic!("direct {a:?} vs json {b:?}"),
        }
    }
    check("a b&c=d");
    check(&String::from("é"));
    check(&'x');
    check(&true);
    check(&false);
    for f in [
        0.0,
        -0.0,
        50.0,
        2.5,
        -3.25,
        1e20,
        9_007_199_254_740_992.0,
        9_007_199_254_740_991.0,
        -9_007_199_254_740_991.0,
        0.1,
        f64::NAN,
        f64::INFINITY,
        f64::MIN_POSITIVE,
    ] {
        check(&f);
    }
    check(&0.1_f32);
    check(&16_777_216.0_f32);
    check(&f32::NAN);
    check(&-3_i8);
    check(&i16::MIN);
    check(&i32::MAX);
    check(&i64::MIN);
    check(&u8::MAX);
    check(&u64::MAX);
    check(&(u64::MAX as u128));
    check(&(u64::MAX as u128 + 1));
    check(&(i64::MIN as i128));
    check(&(i64::MIN as i128 - 1));
    check(&None::<u8>);
    check(&Some(3_u8));
    check(&Some(Some("x")));
    check(&());
    check(&Kind::Plain);
    check(&Kind::Renamed);
    check(&Kind::Data(1));
    check(&Wrapper("w"));
    check(&Fields { a: 1 });
    check(&["x", "y"]);
    check(&vec![1.0, 2.5]);
    check(&vec![Some(1), None, Some(3)]);
    check(&vec![Kind::Plain, Kind::Renamed]);
    check(&vec![Kind::Plain, Kind::Data(2)]);
    check(&("a", 1, true));
    check(&Vec::<u8>::new());
    check(&vec![vec![1]]);
    check(&vec![Fields { a: 1 }]);
    check(&RawBytes);
    check(&[RawBytes]);
    check(&serde_json::json!(50.0));
    check(&serde_json::json!(-7));
    check(&serde_json::json!("s"));
    check(&serde_json::json!(null));
    check(&serde_json::json!([1, "a", null, 2.5]));
    check(&serde_json::json!({"a": 1}));
    check(&serde_json::json!([[1]]));
    let mut map = std::collections::BTreeMap::new();
    map.insert("a", 1);
    check(&map);
}

/// A value serialized with `serialize_bytes`.
struct RawBytes;

impl Serialize for RawBytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(b"ab")
    }
}

#[test]
fn path_segments_are_encoded() {
    assert_eq!(encode_path_segment(&"a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
    assert_eq!(encode_path_segment(&"abc-DEF_1.2~"), "abc-DEF_1.2~");
    assert_eq!(encode_path_segment(&50.0_f64), "50");
    assert_eq!(encode_path_segment(&"é"), "%C3%A9");
}

#[test]
fn route_metadata_is_kept() {
    let r = Request::new(Method::GET, "/x", "/x".into(), "2021-07-28");
    assert_eq!(r.accepted_token_kinds(), None);
    assert!(r.required_scopes().is_empty());
    let r = r
        .scopes(&["a.readonly", "a.write"])
        .token_kinds(TokenKinds::AGENCY);
    assert_eq!(r.required_scopes(), &["a.readonly", "a.write"]);
    assert_eq!(r.accepted_token_kinds(), Some(TokenKinds::AGENCY));
    assert!(TokenKinds::AGENCY.agency_only());
    assert!(!TokenKinds::ANY.agency_only());
    assert!(!TokenKinds::LOCATION.agency_only());
    assert!(TokenKinds::LOCATION.accepts_location() && !TokenKinds::LOCATION.accepts_agency());
    let dbg = format!("{r:?}");
    assert!(
        dbg.contains("a.write") && dbg.contains("agency: true"),
        "{dbg}"
    );
}

/// The request is held in every call's future: keep it small. 216 bytes before route
/// metadata; the scopes slice added 16, boxing the (rare) multipart body saved 8, the
/// token kinds fit beside `auth`. What to decode (`unwrap_at`) added 16, which `send_at`
/// kept beside the request in its future before.
#[test]
fn request_stays_small() {
    assert!(
        std::mem::size_of::<Request>() <= 240,
        "{}",
        std::mem::size_of::<Request>()
    );
}

#[test]
fn bad_query_is_deferred() {
    let r = Request::new(Method::GET, "/x", "/x".into(), "2021-07-28")
        .query("q", &serde_json::json!({"a": 1}));
    assert!(matches!(
        r.error.as_deref(),
        Some(Error::InvalidRequest { .. })
    ));
}
