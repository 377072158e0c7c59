//! Responses: the first 2xx body's type (or the part of it an override unwraps) and the
//! documented error responses.

use openapiv3::{ReferenceOr, StatusCode};

use super::schema::{Builder, Resolved, Site};
use super::shape::{SchemaRef, shape};
use super::{ErrorResponse, Response, Ty};
use crate::diagnostics::{SpecError, pointer_push};

impl<'a> Builder<'a> {
    /// The schema at `inner` (a JSON pointer into a value of `schema`, e.g. `/results/post`),
    /// following references and single-member `allOf`s.
    fn schema_at(
        &mut self,
        schema: SchemaRef<'a>,
        inner: &str,
        pointer: &str,
    ) -> Result<(SchemaRef<'a>, String), SpecError> {
        let mut current = schema;
        let mut current_pointer = pointer.to_owned();
        for segment in inner.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let mut resolved = current;
            for _ in 0..16 {
                match resolved {
                    SchemaRef::Ref(reference) => match self.resolve(reference, &current_pointer)? {
                        Resolved::Local {
                            schema: Some(schema),
                            name,
                        }
                        | Resolved::Common {
                            schema: Some(schema),
                            name,
                        } => {
                            current_pointer = format!("/components/schemas/{name}");
                            resolved = SchemaRef::Inline(schema);
                        }
                        _ => {
                            return Err(self.error(
                                &current_pointer,
                                format!("cannot unwrap `{inner}`: `{reference}` is not a schema"),
                            ));
                        }
                    },
                    SchemaRef::Inline(schema) => {
                        let view = shape(schema);
                        if view.all_of.len() == 1 && view.properties.is_empty() {
                            resolved = (&view.all_of[0]).into();
                        } else {
                            break;
                        }
                    }
                }
            }
            let SchemaRef::Inline(schema) = resolved else {
                return Err(self.error(
                    &current_pointer,
                    format!("cannot unwrap `{inner}`: reference chain too long"),
                ));
            };
            let view = shape(schema);
            let Some((_, property)) = view.properties.iter().find(|(name, _)| *name == segment)
            else {
                return Err(SpecError::new(
                    self.file,
                    &current_pointer,
                    format!("the response has no property `{segment}` to unwrap `{inner}` from"),
                    "fix the `unwrap` pointer in overrides/, or give the response the right schema with a `response` override",
                ));
            };
            current_pointer = pointer_push(&pointer_push(&current_pointer, "properties"), &segment);
            current = *property;
        }
        Ok((current, current_pointer))
    }

    pub(super) fn responses(
        &mut self,
        responses: &'a openapiv3::Responses,
        camel: &str,
        pointer: &str,
        unwrap: Option<&str>,
    ) -> Result<(Response, Vec<ErrorResponse>), SpecError> {
        let mut codes: Vec<(u16, String, &ReferenceOr<openapiv3::Response>)> = responses
            .responses
            .iter()
            .map(|(code, response)| match code {
                StatusCode::Code(code) => (*code, code.to_string(), response),
                StatusCode::Range(range) => (range * 100, format!("{range}XX"), response),
            })
            .collect();
        codes.sort_by_key(|(code, _, _)| *code);
        let mut success = None;
        let mut saw_success = false;
        let mut errors = Vec::new();
        for (code, label, response) in codes {
            let response_pointer = pointer_push(pointer, &label);
            let ReferenceOr::Item(response) = response else {
                return Err(self.error(&response_pointer, "response references are not supported"));
            };
            let json = response
                .content
                .iter()
                .find(|(media, _)| *media == "application/json" || media.ends_with("+json"));
            if (200..300).contains(&code) {
                saw_success = true;
                if success.is_some() {
                    continue;
                }
                if let Some((media, content)) = json {
                    let schema_pointer = pointer_push(
                        &pointer_push(&pointer_push(&response_pointer, "content"), media),
                        "schema",
                    );
                    let ty = match (&content.schema, unwrap) {
                        (Some(schema), None) => self.ty_of(
                            schema.into(),
                            &Site {
                                path: vec![format!("{camel}Response")],
                                pointer: &schema_pointer,
                            },
                        )?,
                        (Some(schema), Some(inner)) => {
                            let (inner_schema, inner_pointer) =
                                self.schema_at(schema.into(), inner, &schema_pointer)?;
                            self.ty_of(
                                inner_schema,
                                &Site {
                                    path: vec![format!("{camel}Response")],
                                    pointer: &inner_pointer,
                                },
                            )?
                        }
                        (None, _) => self.fallback("response without schema"),
                    };
                    success = Some(Response::Json(ty));
                }
            } else {
                // Error bodies are documented, not generated: the runtime's error type carries them.
                let ty = match json.and_then(|(_, content)| content.schema.as_ref()) {
                    Some(ReferenceOr::Reference { reference }) => {
                        match self.resolve(reference, &response_pointer)? {
                            Resolved::Local { name, .. } => Some(Ty::Named(name)),
                            Resolved::Common { name, .. } => Some(Ty::Common(name)),
                        }
                    }
                    _ => None,
                };
                errors.push(ErrorResponse {
                    status: label,
                    body: ty,
                });
            }
        }
        let response = match success {
            Some(response) => response,
            None if saw_success => Response::Empty,
            None => Response::Json(self.fallback("no success response documented")),
        };
        Ok((response, errors))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir::testing::{build, try_build};
    use crate::ir::{Response, Ty};

    fn schemas() -> serde_json::Value {
        json!({
            "Post": { "type": "object", "properties": { "id": { "type": "string" } } },
            "Envelope": { "type": "object", "properties": {
                "results": { "type": "object", "properties": { "post": { "$ref": "#/components/schemas/Post" } } } } },
        })
    }

    #[test]
    fn unwrapping_follows_the_pointer_or_names_the_missing_property() {
        let paths = |unwrap: &str| {
            json!({ "/posts/{id}": { "get": {
                "x-ghl-unwrap": unwrap,
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Envelope" } } } } },
            } } })
        };
        let api = build(schemas(), paths("/results/post"));
        assert_eq!(
            api.operations[0].response,
            Response::Json(Ty::Named("Post".into()))
        );
        assert_eq!(api.operations[0].unwrap.as_deref(), Some("/results/post"));
        let error = try_build(schemas(), paths("/results/nope")).unwrap_err();
        assert!(
            error.starts_with("apps/things.json#/components/schemas/Envelope/properties/results: "),
            "{error}"
        );
        assert!(error.contains("no property `nope`"), "{error}");
    }
}
