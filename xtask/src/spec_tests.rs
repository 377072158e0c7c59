//! The generated test crate `tests/spec-tests`: what the specs themselves say, checked against
//! the generated crates.
//!
//! - `examples`: every instance [`crate::examples::collect`] builds from the specs' examples
//!   deserializes into its generated type and serializes back to the same JSON.
//! - `operations`: every operation of every crate is called against a local mock server, and the
//!   request is checked at the wire: method, path, the `Version` its spec declares (or the
//!   default), the bearer token, and any header an override forces.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::emit::text::{self, Expr};
use crate::emit::{CrateMetadata, GeneratedFile, Source, format_source, inner_doc};
use crate::examples::{ExampleCase, ExampleStats, Instances};
use crate::ir::{Api, Body, Operation, Param, Ty};
use crate::naming;

/// Where the test crate lives, relative to the workspace root.
pub const TEST_CRATE_PARENT: &str = "tests";
pub const TEST_CRATE_DIR: &str = "spec-tests";

fn test_ident(krate: &str) -> proc_macro2::Ident {
    format_ident!("{}", naming::crate_ident(krate).trim_start_matches("ghl_"))
}

/// One file of the test crate: each is generated on its own, so the big ones format in parallel
/// with the crates (see [`crate::pipeline::generate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Manifest,
    Lib,
    Examples,
    Operations,
    FirstCalls,
    DocExamples,
}

impl Part {
    /// Every file of the test crate.
    pub const ALL: [Part; 6] = [
        Part::Manifest,
        Part::Lib,
        Part::Examples,
        Part::Operations,
        Part::FirstCalls,
        Part::DocExamples,
    ];

    /// About how much work the part is, in the units of [`crate::emit::emit_weight`].
    pub fn weight(self, apis: &[Api], cases: &[ExampleCase]) -> usize {
        match self {
            Part::Manifest | Part::Lib => 1,
            Part::FirstCalls | Part::DocExamples => apis.len(),
            Part::Examples => cases.len() / 4,
            Part::Operations => apis.iter().map(|api| api.operations.len()).sum::<usize>() / 2,
        }
    }
}

/// The file `part` of the test crate, relative to [`TEST_CRATE_PARENT`].
pub fn emit_part(
    part: Part,
    apis: &[Api],
    cases: &[ExampleCase],
    stats: &ExampleStats,
    metadata: &CrateMetadata,
) -> anyhow::Result<GeneratedFile> {
    let dir = TEST_CRATE_DIR;
    let source = |name: &str, code: Source| -> anyhow::Result<GeneratedFile> {
        let path = format!("{dir}/src/{name}");
        let contents = format_source(code, &format!("{TEST_CRATE_PARENT}/{path}"))?;
        Ok(GeneratedFile { path, contents })
    };
    match part {
        Part::Manifest => Ok(GeneratedFile {
            path: format!("{dir}/Cargo.toml"),
            contents: manifest(apis, metadata),
        }),
        Part::Lib => source("lib.rs", lib_rs().into()),
        Part::Examples => source("examples.rs", examples_rs(cases, stats)),
        Part::Operations => source("operations.rs", operations_rs(apis)?),
        Part::FirstCalls => source("first_calls.rs", first_calls_rs(apis)?.into()),
        Part::DocExamples => source("doc_examples.rs", doc_examples_rs(apis)?.into()),
    }
}

fn manifest(apis: &[Api], metadata: &CrateMetadata) -> String {
    let mut dependencies: Vec<String> = apis
        .iter()
        .map(|api| {
            format!(
                "{} = {{ path = \"../../crates/{}\" }}",
                api.crate_name, api.crate_name
            )
        })
        .collect();
    dependencies.extend(
        [
            "ghl-runtime = { path = \"../../crates/ghl-runtime\" }",
            "serde = { version = \"1\", features = [\"derive\"] }",
            "serde_json = \"1\"",
            "serde_path_to_error = \"0.1\"",
            "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }",
            "wiremock = \"0.6\"",
        ]
        .map(str::to_owned),
    );
    dependencies.sort();
    format!(
        "{marker} from the specs. Do not edit by hand.\n\
         [package]\n\
         name = \"ghl-{TEST_CRATE_DIR}\"\n\
         version = \"{version}\"\n\
         edition = \"{edition}\"\n\
         publish = false\n\
         description = \"What the specs say (examples, Version headers), checked against the generated crates.\"\n\
         \n\
         [lib]\n\
         doctest = false\n\
         \n\
         # Everything here is test code: nothing is built outside `cargo test`.\n\
         [dev-dependencies]\n\
         {dependencies}\n",
        marker = crate::write::GENERATED_MARKER,
        version = metadata.version,
        edition = metadata.edition,
        dependencies = dependencies.join("\n"),
    )
}

fn lib_rs() -> TokenStream {
    let doc = inner_doc(
        "What the specs say, checked against the generated crates: their examples deserialize into \
         the generated types, and every operation sends what its spec declares.",
    );
    quote! {
        #doc
        #![cfg(test)]

        mod doc_examples;
        mod examples;
        mod first_calls;
        mod operations;
    }
}

/// Each crate's first example ([`crate::emit::first_program`], the program its front page and
/// README show), in a module of its own: it compiles, or the test build fails.
fn first_calls_rs(apis: &[Api]) -> anyhow::Result<TokenStream> {
    let doc = inner_doc(
        "The first example of every crate's front page and README, as written there: compiled, not run.",
    );
    let mut modules = Vec::new();
    for api in apis.iter().filter(|api| !api.operations.is_empty()) {
        let program: TokenStream = crate::emit::first_program(api).parse().map_err(|error| {
            anyhow::anyhow!(
                "the first example of {} is not valid Rust (generator bug): {error}",
                api.crate_name
            )
        })?;
        let module = test_ident(&api.crate_name);
        modules.push(quote! { mod #module { #program } });
    }
    Ok(quote! {
        #doc
        #![allow(dead_code)]
        #(#modules)*
    })
}

/// Every ```` ```rust ```` example of the crates' docs (the override notes'), each crate's in a
/// module of its own: they compile, or the test build fails.
fn doc_examples_rs(apis: &[Api]) -> anyhow::Result<TokenStream> {
    let doc = inner_doc(
        "The Rust examples in the generated crates' docs (from override notes), as written there: compiled, not run.",
    );
    let mut modules = Vec::new();
    for api in apis {
        let mut items = Vec::new();
        for (index, example) in crate::emit::api_rust_examples(api).iter().enumerate() {
            let code: TokenStream = example.parse().map_err(|error| {
                anyhow::anyhow!(
                    "a Rust example in the docs of {} (from an override note) is not valid Rust: {error}\n{example}",
                    api.crate_name
                )
            })?;
            let module = format_ident!("example_{}", index + 1);
            items.push(quote! { mod #module { #code } });
        }
        if !items.is_empty() {
            let module = test_ident(&api.crate_name);
            modules.push(quote! { mod #module { #(#items)* } });
        }
    }
    Ok(quote! {
        #doc
        #![allow(dead_code)]
        #(#modules)*
    })
}

fn examples_rs(cases: &[ExampleCase], stats: &ExampleStats) -> Source {
    let mut by_crate: BTreeMap<&str, Vec<&ExampleCase>> = BTreeMap::new();
    for case in cases {
        by_crate
            .entry(case.crate_name.as_str())
            .or_default()
            .push(case);
    }
    let doc = inner_doc(&format!(
        "The specs' own examples, deserialized into the generated types and serialized back.\n\n\
         {} instances assembled from {} examples that match their schema; {} examples contradict \
         their own schema and are not tested.",
        cases.len(),
        stats.matching,
        stats.mismatched,
    ));
    let helpers = quote! {
        #doc

        use serde::Serialize;
        use serde::de::DeserializeOwned;

        /// Numbers compare by value: `5` and `5.0` are the same example.
        fn normalized(value: serde_json::Value) -> serde_json::Value {
            match value {
                serde_json::Value::Number(number) => number
                    .as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Number(number), serde_json::Value::Number),
                serde_json::Value::Array(items) => items.into_iter().map(normalized).collect(),
                serde_json::Value::Object(map) => map.into_iter().map(|(k, v)| (k, normalized(v))).collect(),
                other => other,
            }
        }

        fn parse<T: DeserializeOwned>(origin: &str, json: &str) -> (T, serde_json::Value) {
            let value: serde_json::Value = match serde_json::from_str(json) {
                Ok(value) => value,
                Err(error) => panic!("{origin}: the example is not JSON: {error}"),
            };
            // From an owned value through `serde_path_to_error`, as the runtime reads a body
            // whose fast path failed: each type's `Deserialize` is compiled once for both.
            match serde_path_to_error::deserialize(value.clone()) {
                Ok(parsed) => (parsed, value),
                Err(error) => panic!("{origin}: the example does not deserialize at `{}`: {}\n{json}", error.path(), error.inner()),
            }
        }

        fn parses<T: DeserializeOwned>(origin: &str, json: &str) {
            let _: (T, _) = parse(origin, json);
        }

        fn round_trip<T: DeserializeOwned + Serialize>(origin: &str, json: &str) {
            let (parsed, value) = parse::<T>(origin, json);
            // Serialized as the runtime serializes a request body, then read back as a value.
            let back = match serde_json::to_vec(&parsed).map(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes)) {
                Ok(Ok(back)) => back,
                Ok(Err(error)) | Err(error) => panic!("{origin}: does not serialize: {error}"),
            };
            assert_eq!(normalized(back), normalized(value), "{origin}: the example does not survive a round trip");
        }

    };
    let mut source = Source::from(helpers);
    for (krate, cases) in &by_crate {
        source.exact_text(example_test(krate, cases));
    }
    source
}

/// The test of one crate's examples, as prettyplease lays it out: a check a line when it fits,
/// else the type argument and the two arguments on lines of their own (the JSON literal cannot
/// break).
fn example_test(krate: &str, cases: &[&ExampleCase]) -> String {
    let crate_ident = naming::crate_ident(krate);
    let mut item = format!("#[test]\nfn {}() {{\n", test_ident(krate));
    for case in cases {
        let check = if case.round_trip {
            "round_trip"
        } else {
            "parses"
        };
        let ty = format!("{crate_ident}::types::{}", case.type_name);
        let origin = text::string_literal(&case.origin);
        let json = text::string_literal(&case.value.to_string());
        let line = format!("    {check}::<{ty}>({origin}, {json});\n");
        if line.len() <= 90 {
            item.push_str(&line);
            continue;
        }
        // Too long: the type argument breaks first, then the arguments if still too long.
        item.push_str(&format!("    {check}::<\n        {ty},\n"));
        let args = format!("    >({origin}, {json});\n");
        if args.len() <= 90 {
            item.push_str(&args);
        } else {
            item.push_str(&format!(
                "    >(\n        {origin},\n        {json},\n    );\n"
            ));
        }
    }
    item.push_str("}\n");
    item
}

/// The JSON text of a value an argument of type `ty` is built from in the test, honouring bounds.
fn argument_json<'a>(
    instances: &mut Instances<'a>,
    krate: &'a str,
    param: &Param,
) -> anyhow::Result<String> {
    if let Some(minimum) = param.minimum {
        return Ok(match param.ty {
            Ty::Integer => (minimum as i64).to_string(),
            _ => minimum.to_string(),
        });
    }
    match &param.ty {
        Ty::String => Ok(Value::String(param.wire.clone()).to_string()),
        Ty::Number | Ty::Integer => Ok("1".to_owned()),
        ty => instances
            .placeholder(krate, ty)
            .map(|value| value.to_string())
            .ok_or_else(|| anyhow::anyhow!("no placeholder for parameter `{}` ({ty})", param.wire)),
    }
}

/// The path segment the mock server should see for a path argument built from `json`.
fn path_segment(json: &str) -> String {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => json.to_owned(),
    }
}

/// One operation's call in its crate's test, and the request the mock server must have seen.
fn operation_call<'a>(
    api: &'a Api,
    op: &Operation,
    instances: &mut Instances<'a>,
) -> anyhow::Result<String> {
    let krate = api.crate_name.as_str();
    let crate_ident = naming::crate_ident(krate);
    let mut args = Vec::new();
    let mut expected_path = op.path.clone();
    let mut setters = Vec::new();
    for param in &op.path_params {
        let json = argument_json(instances, krate, param)?;
        expected_path =
            expected_path.replacen(&format!("{{{}}}", param.wire), &path_segment(&json), 1);
    }
    let value = |json: &str| Expr::call("value", vec![Expr::Atom(text::string_literal(json))]);
    // The method's arguments, in its order: path parameters, then a required body; required
    // query and header parameters are the builder's named setters. Strings are literals
    // (`impl Into<String>`); everything else is decoded from JSON into the input's type.
    for param in op
        .path_params
        .iter()
        .chain(&op.params)
        .filter(|param| param.required)
    {
        let json = argument_json(instances, krate, param)?;
        let argument = match param.ty {
            Ty::String => Expr::Atom(text::string_literal(&path_segment(&json))),
            _ => value(&json),
        };
        if !param.by_name() {
            args.push(argument);
        } else {
            setters.push(Expr::call(param.name.clone(), vec![argument]));
        }
    }
    let body_json = |instances: &mut Instances<'a>, ty: &Ty| -> anyhow::Result<String> {
        instances
            .placeholder(krate, ty)
            .map(|value| value.to_string())
            .ok_or_else(|| anyhow::anyhow!("{}: no placeholder body of type {ty}", op.fn_name))
    };
    let bytes = || Expr::Atom("b\"body\".to_vec()".to_owned());
    match &op.body {
        Some(Body::Json { ty, required } | Body::Form { ty, required }) => {
            let json = body_json(instances, ty)?;
            match (required, ty) {
                (true, _) => args.push(value(&json)),
                // The setter takes `impl Into<_>`: name the type to decode into.
                (false, Ty::Named(name)) => setters.push(Expr::call(
                    "body",
                    vec![Expr::Call {
                        callee: "value".to_owned(),
                        turbofish: Some(format!("{crate_ident}::types::{name}")),
                        args: vec![Expr::Atom(text::string_literal(&json))],
                    }],
                )),
                (false, _) => {}
            }
        }
        Some(Body::Multipart { ty }) => {
            let json = body_json(instances, &Ty::Named(ty.clone()))?;
            args.push(value(&json));
        }
        Some(Body::MultipartRaw) => {
            args.push(Expr::Atom("ghl_runtime::Multipart::new()".to_owned()));
        }
        Some(Body::Bytes { required: true, .. }) => args.push(bytes()),
        Some(Body::Bytes {
            required: false, ..
        }) => setters.push(Expr::call("body", vec![bytes()])),
        None => {}
    }
    let mut calls = vec![Expr::call(op.fn_name.clone(), args)];
    calls.extend(setters);
    calls.push(Expr::call("send", Vec::new()));
    calls.push(Expr::Atom("await".to_owned()));
    let mut out = text::statement(1, "let _ = ", "api", &calls);
    let headers = op
        .forced_headers
        .iter()
        .map(|(name, value)| {
            Expr::Tuple(vec![
                Expr::Atom(text::string_literal(name)),
                Expr::Atom(text::string_literal(value)),
            ])
        })
        .collect();
    let authorization = if op.without_auth {
        "None"
    } else {
        "Some(\"Bearer test-token\")"
    };
    let expect = Expr::call(
        "expect",
        vec![
            Expr::Atom(text::string_literal(&op.fn_name)),
            Expr::Atom(text::string_literal(op.method.as_str())),
            Expr::Atom(text::string_literal(&expected_path)),
            Expr::Atom(text::string_literal(&op.version)),
            Expr::Atom(authorization.to_owned()),
            Expr::RefArray(headers),
        ],
    );
    out.push_str(&text::statement(
        1,
        "",
        "server",
        &[expect, Expr::Atom("await".to_owned())],
    ));
    Ok(out)
}

/// The test of one crate's operations: each called against the mock server in turn.
fn operations_test<'a>(api: &'a Api, instances: &mut Instances<'a>) -> anyhow::Result<String> {
    let mut item = "#[tokio::test]\n".to_owned();
    if api.operations.iter().any(|op| op.deprecated) {
        item.push_str("#[allow(deprecated)]\n");
    }
    item.push_str(&format!(
        "async fn {}() {{\n    let server = Server::start().await;\n",
        test_ident(&api.crate_name)
    ));
    let new = Expr::call(
        format!(
            "{}::{}::new",
            naming::crate_ident(&api.crate_name),
            api.client_name
        ),
        vec![Expr::Atom("server.client()".to_owned())],
    );
    let head = "    let api = ";
    item.push_str(head);
    item.push_str(&new.layout(head.len(), 1, 1));
    item.push_str(";\n");
    for op in &api.operations {
        item.push_str(&operation_call(api, op, instances)?);
    }
    item.push_str("}\n");
    Ok(item)
}

fn operations_rs(apis: &[Api]) -> anyhow::Result<Source> {
    let mut instances = Instances::new(apis);
    let mut tests = Vec::new();
    for api in apis.iter().filter(|api| !api.operations.is_empty()) {
        tests.push(operations_test(api, &mut instances)?);
    }
    let doc = inner_doc(
        "Every operation of every generated crate, called against a local mock server: the request \
         must carry the method, path and `Version` its spec declares (`2021-07-28` where it declares \
         none), the bearer token, and any header an override forces.",
    );
    let helpers = quote! {
        #doc

        use std::sync::atomic::{AtomicUsize, Ordering};

        use serde::de::DeserializeOwned;
        use wiremock::matchers::any;
        use wiremock::{Mock, MockServer, ResponseTemplate};

        /// An argument built from JSON, so one helper serves every generated type.
        /// Read through `serde_path_to_error` from an owned value, as the examples are, so each
        /// type's `Deserialize` is compiled once for both modules.
        fn value<T: DeserializeOwned>(json: &str) -> T {
            let parsed = serde_json::from_str::<serde_json::Value>(json)
                .map_err(|error| error.to_string())
                .and_then(|value| serde_path_to_error::deserialize(value).map_err(|error| error.to_string()));
            match parsed {
                Ok(value) => value,
                Err(error) => panic!("test argument {json} does not deserialize: {error}"),
            }
        }

        /// `%7B` -> `{`: paths are compared as the server decodes them.
        fn percent_decoded(path: &str) -> String {
            let bytes = path.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut index = 0;
            while index < bytes.len() {
                let hex = bytes.get(index + 1..index + 3).and_then(|hex| std::str::from_utf8(hex).ok());
                match (bytes[index], hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
                    (b'%', Some(byte)) => {
                        out.push(byte);
                        index += 3;
                    }
                    (byte, _) => {
                        out.push(byte);
                        index += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }

        struct Server {
            mock: MockServer,
            seen: AtomicUsize,
        }

        impl Server {
            async fn start() -> Server {
                let mock = MockServer::start().await;
                Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_string("{}")).mount(&mock).await;
                Server { mock, seen: AtomicUsize::new(0) }
            }

            fn client(&self) -> ghl_runtime::Client {
                match ghl_runtime::Client::builder()
                    .token("test-token")
                    .base_url(self.mock.uri())
                    .retry_policy(ghl_runtime::RetryPolicy::none())
                    .no_rate_limit()
                    .build()
                {
                    Ok(client) => client,
                    Err(error) => panic!("test client: {error}"),
                }
            }

            /// The one request the last call sent.
            async fn expect(
                &self,
                operation: &str,
                method: &str,
                path: &str,
                version: &str,
                authorization: Option<&str>,
                headers: &[(&str, &str)],
            ) {
                let requests = self.mock.received_requests().await.unwrap_or_default();
                let before = self.seen.swap(requests.len(), Ordering::SeqCst);
                assert_eq!(requests.len(), before + 1, "{operation}: expected exactly one request");
                let request = &requests[requests.len() - 1];
                let header = |name: &str| request.headers.get(name).and_then(|value| value.to_str().ok());
                assert_eq!(request.method.as_str(), method, "{operation}: method");
                assert_eq!(percent_decoded(request.url.path()), path, "{operation}: path");
                assert_eq!(header("version"), Some(version), "{operation}: Version header");
                assert_eq!(header("authorization"), authorization, "{operation}: Authorization header");
                for (name, value) in headers {
                    assert_eq!(header(name), Some(*value), "{operation}: forced {name} header");
                }
            }
        }
    };
    let mut source = Source::from(helpers);
    for test in tests {
        source.exact_text(test);
    }
    Ok(source)
}
