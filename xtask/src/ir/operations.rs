//! Paths to operations: parameters (path, query, header; the `Version` header read, not passed),
//! request bodies by media type, the success response (optionally unwrapped by an override) and
//! the documented error responses.

use heck::ToUpperCamelCase;
use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, SchemaKind, Type};
use serde_json::Value;

use super::schema::{Builder, Site};
use super::{Body, DEFAULT_VERSION, Method, Operation, Param, ParamLocation, Ty, TypeKind, access};
use crate::diagnostics::{SpecError, pointer_push};
use crate::naming::{self, Scope};
use crate::overrides;

impl<'a> Builder<'a> {
    /// The operations, sorted by path and method. `client_name` is the resource client's type,
    /// which no operation's builder may be called.
    pub(super) fn operations(&mut self, client_name: &str) -> Result<Vec<Operation>, SpecError> {
        let document = self.document;
        let mut found = Vec::new();
        for (path, item) in &document.paths.paths {
            let item_pointer = pointer_push("/paths", path);
            let ReferenceOr::Item(item) = item else {
                return Err(self.error(&item_pointer, "path item references are not supported"));
            };
            for (method, operation) in item.iter() {
                let Some(parsed) = Method::parse(method) else {
                    continue;
                };
                found.push((
                    path.as_str(),
                    parsed,
                    method,
                    item,
                    operation,
                    pointer_push(&item_pointer, method),
                ));
            }
        }
        found.sort_by(|a, b| (a.0, a.1.as_str()).cmp(&(b.0, b.1.as_str())));
        let mut scope = Scope::with_reserved(&["new", "client"]);
        // Builders sit beside the client and the runtime's re-exported names, and must not
        // take a name the generated code uses unqualified (`Request`, `Value`, ... and `Self`:
        // an operationId `self` would otherwise make a builder called `Self`).
        let mut reserved = vec!["Response", client_name];
        reserved.extend_from_slice(naming::reserved_type_names());
        let mut builders = Scope::with_reserved(&reserved);
        let mut operations = Vec::with_capacity(found.len());
        for (path, method, raw_method, item, operation, pointer) in found {
            let operation_id = operation
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{raw_method} {path}"));
            let fn_name = scope.claim(&naming::function_name(&operation_id));
            let camel = fn_name.to_upper_camel_case();
            let builder = builders.claim(&camel);
            let mut version = None;
            let mut path_params = Vec::new();
            let mut params = Vec::new();
            // The builder's own fields and methods.
            let mut param_scope = Scope::with_reserved(&[
                "body",
                "client",
                "send",
                "send_with_response",
                "into_request",
                "paginate",
            ]);
            for (index, parameter) in item
                .parameters
                .iter()
                .chain(&operation.parameters)
                .enumerate()
            {
                let parameter_pointer =
                    pointer_push(&pointer_push(&pointer, "parameters"), &index.to_string());
                let ReferenceOr::Item(parameter) = parameter else {
                    return Err(
                        self.error(&parameter_pointer, "parameter references are not supported")
                    );
                };
                let data = parameter.parameter_data_ref();
                let joined = self.serialization_style(parameter, &parameter_pointer)?;
                let location = match parameter {
                    Parameter::Query { .. } => ParamLocation::Query,
                    Parameter::Header { .. } => ParamLocation::Header,
                    Parameter::Path { .. } => ParamLocation::Path,
                    Parameter::Cookie { .. } => {
                        return Err(self.error(
                            &parameter_pointer,
                            format!("cookie parameter `{}` is not supported", data.name),
                        ));
                    }
                };
                if location == ParamLocation::Header && data.name.eq_ignore_ascii_case("version") {
                    version = version_of(data);
                    continue;
                }
                if location == ParamLocation::Header
                    && data.name.eq_ignore_ascii_case("authorization")
                {
                    // The client's auth, never an argument.
                    self.repair("Authorization header parameter dropped");
                    continue;
                }
                if location == ParamLocation::Path && !path.contains(&format!("{{{}}}", data.name))
                {
                    self.repair("path parameter not in the path template dropped");
                    continue;
                }
                let schema_pointer = pointer_push(&parameter_pointer, "schema");
                let site = Site {
                    path: vec![format!("{camel}{}", data.name.to_upper_camel_case())],
                    pointer: &schema_pointer,
                };
                let ty = match &data.format {
                    ParameterSchemaOrContent::Schema(schema) => self.ty_of(schema.into(), &site)?,
                    ParameterSchemaOrContent::Content(_) => self.fallback("parameter with content"),
                };
                let date_time = match &data.format {
                    ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema))
                        if ty == Ty::String =>
                    {
                        self.date_time(schema)
                    }
                    _ => false,
                };
                let param = Param {
                    name: param_scope.claim(&naming::field_name(&data.name)),
                    wire: data.name.clone(),
                    location,
                    ty,
                    required: data.required || location == ParamLocation::Path,
                    doc: data
                        .description
                        .clone()
                        .filter(|text| !text.trim().is_empty()),
                    minimum: bound(&data.format, Bound::Minimum),
                    maximum: bound(&data.format, Bound::Maximum),
                    joined,
                    date_time,
                };
                if location == ParamLocation::Path {
                    path_params.push(param);
                } else {
                    params.push(param);
                }
            }
            // Template variables the spec forgot to declare are still path parameters.
            let mut ordered = Vec::new();
            for variable in template_variables(path) {
                match path_params
                    .iter()
                    .position(|param: &Param| param.wire == variable)
                {
                    Some(position) => ordered.push(path_params.remove(position)),
                    None => {
                        self.repair("undeclared path variable added as a parameter");
                        ordered.push(Param {
                            name: param_scope.claim(&naming::field_name(variable)),
                            wire: variable.to_owned(),
                            location: ParamLocation::Path,
                            ty: Ty::String,
                            required: true,
                            doc: None,
                            minimum: None,
                            maximum: None,
                            joined: false,
                            date_time: false,
                        });
                    }
                }
            }
            let body = match &operation.request_body {
                None => None,
                Some(ReferenceOr::Reference { .. }) => {
                    return Err(self.error(
                        &pointer_push(&pointer, "requestBody"),
                        "request body references are not supported",
                    ));
                }
                Some(ReferenceOr::Item(body)) => {
                    self.body(body, &camel, &pointer_push(&pointer, "requestBody"))?
                }
            };
            let unwrap = operation
                .extensions
                .get(overrides::EXT_UNWRAP)
                .and_then(Value::as_str)
                .map(str::to_owned);
            let (response, errors) = self.responses(
                &operation.responses,
                &camel,
                &pointer_push(&pointer, "responses"),
                unwrap.as_deref(),
            )?;
            if let Some(paging) = operation.extensions.get(overrides::EXT_PAGING) {
                self.paging_overrides
                    .insert(fn_name.clone(), (paging.clone(), pointer.clone()));
            }
            let forced_headers = operation
                .extensions
                .get(overrides::EXT_HEADERS)
                .and_then(Value::as_object)
                .map(|headers| {
                    headers
                        .iter()
                        .filter_map(|(name, value)| {
                            Some((name.clone(), value.as_str()?.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            operations.push(Operation {
                fn_name,
                operation_id,
                method,
                path: path.to_owned(),
                version: version.unwrap_or_else(|| {
                    self.repair("operation without Version uses the default");
                    DEFAULT_VERSION.to_owned()
                }),
                summary: operation
                    .summary
                    .clone()
                    .filter(|text| !text.trim().is_empty()),
                description: operation
                    .description
                    .clone()
                    .filter(|text| !text.trim().is_empty()),
                deprecated: operation.deprecated,
                path_params: ordered,
                params,
                builder,
                tag: operation
                    .tags
                    .iter()
                    .map(|tag| tag.trim())
                    .find(|tag| !tag.is_empty())
                    .map(str::to_owned),
                body,
                response,
                errors,
                forced_headers,
                unwrap,
                without_auth: operation.extensions.get(overrides::EXT_WITHOUT_AUTH)
                    == Some(&Value::Bool(true)),
                access: access::access(self.document, operation.security.as_ref()),
                paging: None,
            });
        }
        Ok(operations)
    }

    fn body(
        &mut self,
        body: &'a openapiv3::RequestBody,
        camel: &str,
        pointer: &str,
    ) -> Result<Option<Body>, SpecError> {
        let hint = format!("{camel}Body");
        let content_pointer = pointer_push(pointer, "content");
        let pick =
            |wanted: &dyn Fn(&str) -> bool| body.content.iter().find(|(media, _)| wanted(media));
        if let Some((media, content)) =
            pick(&|media| media == "application/json" || media.ends_with("+json"))
        {
            let (ty, _) = self.media_ty(content, &content_pointer, media, &hint)?;
            let ty = ty.unwrap_or_else(|| self.fallback("body without schema"));
            return Ok(Some(Body::Json {
                ty,
                required: body.required,
            }));
        }
        if let Some((media, content)) = pick(&|media| media == "multipart/form-data") {
            return Ok(Some(
                match self.media_ty(content, &content_pointer, media, &hint)? {
                    (None, _) => Body::MultipartRaw,
                    (Some(Ty::Named(name)), _) if self.is_struct(&name) => {
                        Body::Multipart { ty: name }
                    }
                    (Some(_), schema_pointer) => {
                        return Err(self.error(
                            &schema_pointer,
                            "a multipart body must be an object with properties",
                        ));
                    }
                },
            ));
        }
        if let Some((media, content)) = pick(&|media| media == "application/x-www-form-urlencoded")
        {
            let (ty, _) = self.media_ty(content, &content_pointer, media, &hint)?;
            let ty = ty.unwrap_or_else(|| self.fallback("body without schema"));
            return Ok(Some(Body::Form {
                ty,
                required: body.required,
            }));
        }
        let Some(media) = body.content.keys().next() else {
            return Ok(None);
        };
        // A media type the generator has no model for: the caller supplies the bytes. A range
        // (`image/*`, `*/*`) names no single type to send, so octet-stream stands in.
        let content_type = if media.contains('*') {
            "application/octet-stream"
        } else {
            media.as_str()
        };
        if !content_type
            .bytes()
            .all(|byte| byte.is_ascii_graphic() || byte == b' ')
        {
            return Err(self.error(
                &pointer_push(&content_pointer, media),
                format!("the media type `{media}` cannot be sent as a Content-Type header"),
            ));
        }
        self.repair("request body of another media type sent as bytes");
        Ok(Some(Body::Bytes {
            content_type: content_type.to_owned(),
            required: body.required,
        }))
    }

    /// The type of one media type's schema (`None` when it has none), and the schema's pointer.
    fn media_ty(
        &mut self,
        content: &'a openapiv3::MediaType,
        content_pointer: &str,
        media: &str,
        hint: &str,
    ) -> Result<(Option<Ty>, String), SpecError> {
        let schema_pointer = pointer_push(&pointer_push(content_pointer, media), "schema");
        let ty = match &content.schema {
            Some(schema) => Some(self.ty_of(
                schema.into(),
                &Site {
                    path: vec![hint.to_owned()],
                    pointer: &schema_pointer,
                },
            )?),
            None => None,
        };
        Ok((ty, schema_pointer))
    }

    /// How a parameter is serialized: `true` for a query parameter in `form` style without
    /// `explode` (one comma-separated value), `false` for the defaults (`form` with
    /// `explode` in the query, `simple` in the path and headers). Any other style is refused,
    /// naming the parameter: the runtime writes none of them, and sending one as another
    /// would put values the server cannot read on the wire.
    fn serialization_style(&self, parameter: &Parameter, pointer: &str) -> Result<bool, SpecError> {
        use openapiv3::{HeaderStyle, PathStyle, QueryStyle};
        let data = parameter.parameter_data_ref();
        let unsupported = |style: &str| {
            self.error(
                pointer,
                format!(
                    "parameter `{}` has style `{style}`, which the generator does not write (it writes `form` in the query, with or without `explode`, and `simple` in the path and headers); give the parameter one of those in an override if the server takes it",
                    data.name
                ),
            )
        };
        match parameter {
            Parameter::Query { style, .. } => match style {
                QueryStyle::Form => Ok(data.explode == Some(false)),
                QueryStyle::SpaceDelimited => Err(unsupported("spaceDelimited")),
                QueryStyle::PipeDelimited => Err(unsupported("pipeDelimited")),
                QueryStyle::DeepObject => Err(unsupported("deepObject")),
            },
            Parameter::Path { style, .. } => match style {
                PathStyle::Simple => Ok(false),
                PathStyle::Label => Err(unsupported("label")),
                PathStyle::Matrix => Err(unsupported("matrix")),
            },
            Parameter::Header { style, .. } => match style {
                HeaderStyle::Simple => Ok(false),
            },
            Parameter::Cookie { .. } => Ok(false),
        }
    }

    fn is_struct(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|def| def.name == name && matches!(def.kind, TypeKind::Struct { .. }))
    }
}

#[derive(Clone, Copy)]
enum Bound {
    Minimum,
    Maximum,
}

/// A numeric parameter's declared minimum or maximum.
fn bound(format: &ParameterSchemaOrContent, which: Bound) -> Option<f64> {
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = format else {
        return None;
    };
    match (&schema.schema_kind, which) {
        (SchemaKind::Type(Type::Number(number)), Bound::Minimum) => number.minimum,
        (SchemaKind::Type(Type::Number(number)), Bound::Maximum) => number.maximum,
        (SchemaKind::Type(Type::Integer(integer)), Bound::Minimum) => {
            integer.minimum.map(|v| v as f64)
        }
        (SchemaKind::Type(Type::Integer(integer)), Bound::Maximum) => {
            integer.maximum.map(|v| v as f64)
        }
        (SchemaKind::Any(any), Bound::Minimum) => any.minimum,
        (SchemaKind::Any(any), Bound::Maximum) => any.maximum,
        _ => None,
    }
}

fn version_of(data: &openapiv3::ParameterData) -> Option<String> {
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &data.format else {
        return None;
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            string.enumeration.iter().flatten().next().cloned()
        }
        SchemaKind::Any(any) => any
            .enumeration
            .iter()
            .find_map(|value| value.as_str().map(str::to_owned)),
        _ => None,
    }
    .or_else(|| {
        schema
            .schema_data
            .default
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

/// `/a/{x}/b/{y}` -> `["x", "y"]`.
pub fn template_variables(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::template_variables;
    use crate::ir::testing::build;
    use crate::ir::{Body, DEFAULT_VERSION, Method, ParamLocation, Response, Ty};

    fn schemas() -> serde_json::Value {
        json!({
            "Post": { "type": "object", "properties": { "id": { "type": "string" } } },
            "Envelope": { "type": "object", "properties": {
                "results": { "type": "object", "properties": { "post": { "$ref": "#/components/schemas/Post" } } } } },
            "Problem": { "type": "object", "properties": { "message": { "type": "string" } } },
        })
    }

    #[test]
    fn template_variables_in_order() {
        assert_eq!(template_variables("/a/{x}/b/{y}"), ["x", "y"]);
        assert!(template_variables("/plain").is_empty());
    }

    #[test]
    fn parameters_version_and_path_variables() {
        let api = build(
            schemas(),
            json!({ "/blogs/{blogId}/posts/{postId}": { "get": {
                "operationId": "get-post",
                "parameters": [
                    { "name": "postId", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "Version", "in": "header", "required": true,
                      "schema": { "type": "string", "enum": ["2021-04-15"] } },
                    { "name": "Authorization", "in": "header", "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 50 } },
                    { "name": "gone", "in": "path", "required": true, "schema": { "type": "string" } },
                ],
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Post" } } } } },
            } } }),
        );
        let [op] = api.operations.as_slice() else {
            panic!("one operation expected");
        };
        assert_eq!((op.fn_name.as_str(), op.method), ("get_post", Method::Get));
        assert_eq!(op.version, "2021-04-15");
        // In template order, the undeclared `blogId` added, the stray `gone` dropped.
        let path: Vec<&str> = op.path_params.iter().map(|p| p.wire.as_str()).collect();
        assert_eq!(path, ["blogId", "postId"]);
        let [limit] = op.params.as_slice() else {
            panic!("one query parameter expected, Authorization and Version are not arguments");
        };
        assert_eq!(
            (limit.location, &limit.ty, limit.minimum, limit.maximum),
            (ParamLocation::Query, &Ty::Integer, Some(1.0), Some(50.0))
        );
        assert_eq!(op.builder, "GetPost");
        assert_eq!(op.response, Response::Json(Ty::Named("Post".into())));
        for repair in [
            "undeclared path variable added as a parameter",
            "path parameter not in the path template dropped",
            "Authorization header parameter dropped",
        ] {
            assert_eq!(api.stats.repairs[repair], 1, "{repair}");
        }
    }

    #[test]
    fn names_are_unique_sorted_by_path_and_never_new_or_client() {
        let ok = json!({ "200": { "description": "ok" } });
        let api = build(
            schemas(),
            json!({
                "/b": { "post": { "operationId": "new", "responses": ok } },
                "/a": { "get": { "operationId": "client", "responses": ok },
                        "delete": { "operationId": "Client", "responses": ok } },
                "/c": { "get": { "responses": ok } },
            }),
        );
        let names: Vec<(&str, &str)> = api
            .operations
            .iter()
            .map(|op| (op.fn_name.as_str(), op.version.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("client_2", DEFAULT_VERSION),
                ("client_3", DEFAULT_VERSION),
                ("new_2", DEFAULT_VERSION),
                ("get_c", DEFAULT_VERSION),
            ]
        );
        assert_eq!(
            api.stats.repairs["operation without Version uses the default"],
            4
        );
    }

    #[test]
    fn bodies_by_media_type_and_documented_errors() {
        let api = build(
            schemas(),
            json!({
                "/json": { "post": {
                    "requestBody": { "required": true, "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/Post" } } } },
                    "responses": {
                        "201": { "description": "created" },
                        "422": { "description": "bad", "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/Problem" } } } },
                        "400": { "description": "bad" },
                    },
                } },
                "/upload": { "post": {
                    "requestBody": { "content": { "multipart/form-data": { "schema": {
                        "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                    "responses": { "200": { "description": "ok" } },
                } },
                "/raw": { "post": {
                    "requestBody": { "content": { "multipart/form-data": {} } },
                    "responses": {},
                } },
            }),
        );
        let body = |path: &str| {
            let op = api.operations.iter().find(|op| op.path == path).unwrap();
            (op.body.clone(), op.response.clone())
        };
        assert_eq!(
            body("/json"),
            (
                Some(Body::Json {
                    ty: Ty::Named("Post".into()),
                    required: true
                }),
                Response::Empty
            )
        );
        assert_eq!(
            body("/upload").0,
            Some(Body::Multipart {
                ty: "PostUploadBody".into()
            })
        );
        assert_eq!(
            body("/raw"),
            (Some(Body::MultipartRaw), Response::Json(Ty::Value))
        );
        let errors: Vec<(String, Option<Ty>)> = api.operations[0]
            .errors
            .iter()
            .map(|error| (error.status.clone(), error.body.clone()))
            .collect();
        assert_eq!(
            errors,
            [
                ("400".to_owned(), None),
                ("422".to_owned(), Some(Ty::Named("Problem".into())))
            ]
        );
    }
}
