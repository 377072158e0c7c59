//! The one rendering of a [`Ty`]: how a type, a field's type and a parameter's type are written
//! out. The walk over the model (arrays, maps, boxing, optionality) is here; a [`Spelling`] only
//! says how the leaves and wrappers are written: [`Short`] for what people read (summaries, the
//! API diff), the emitter's spelling for generated code.

use std::fmt;

use super::{Field, Param, Ty};

/// A type without arguments, as a [`Spelling`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf<'a> {
    String,
    Number,
    Integer,
    Boolean,
    /// `serde_json::Value`.
    Value,
    /// A binary upload.
    File,
    /// A type of this crate.
    Named(&'a str),
    /// A type of the shared common-types crate.
    Common(&'a str),
}

/// A type around one other type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    Vec,
    /// A map from strings.
    Map,
    Box,
    Option,
}

/// How one output writes the leaves and wrappers of a type.
pub trait Spelling {
    type Out;
    fn leaf(&self, leaf: Leaf<'_>) -> Self::Out;
    fn wrap(&self, wrapper: Wrapper, inner: Self::Out) -> Self::Out;
}

impl Ty {
    /// The type, written in `spelling`.
    pub fn render<S: Spelling>(&self, spelling: &S) -> S::Out {
        match self {
            Ty::String => spelling.leaf(Leaf::String),
            Ty::Number => spelling.leaf(Leaf::Number),
            Ty::Integer => spelling.leaf(Leaf::Integer),
            Ty::Boolean => spelling.leaf(Leaf::Boolean),
            Ty::Value => spelling.leaf(Leaf::Value),
            Ty::File => spelling.leaf(Leaf::File),
            Ty::Array(item) => spelling.wrap(Wrapper::Vec, item.render(spelling)),
            Ty::Map(value) => spelling.wrap(Wrapper::Map, value.render(spelling)),
            Ty::Named(name) => spelling.leaf(Leaf::Named(name)),
            Ty::Common(name) => spelling.leaf(Leaf::Common(name)),
        }
    }
}

impl Field {
    /// The field's type as declared: boxed when it contains its own struct, optional when it
    /// may be absent or null.
    pub fn render_ty<S: Spelling>(&self, spelling: &S) -> S::Out {
        let mut ty = self.ty.render(spelling);
        if self.boxed {
            ty = spelling.wrap(Wrapper::Box, ty);
        }
        if self.optional() {
            ty = spelling.wrap(Wrapper::Option, ty);
        }
        ty
    }
}

impl Param {
    /// The parameter's type as declared: optional unless required.
    pub fn render_ty<S: Spelling>(&self, spelling: &S) -> S::Out {
        let ty = self.ty.render(spelling);
        if self.required {
            ty
        } else {
            spelling.wrap(Wrapper::Option, ty)
        }
    }
}

/// What people read: `Vec<Map<String, common::Post>>`.
#[derive(Debug, Clone, Copy)]
pub struct Short;

impl Spelling for Short {
    type Out = String;

    fn leaf(&self, leaf: Leaf<'_>) -> String {
        match leaf {
            Leaf::String => "String".to_owned(),
            Leaf::Number => "f64".to_owned(),
            Leaf::Integer => "i64".to_owned(),
            Leaf::Boolean => "bool".to_owned(),
            Leaf::Value => "Value".to_owned(),
            Leaf::File => "FilePart".to_owned(),
            Leaf::Named(name) => name.to_owned(),
            Leaf::Common(name) => format!("common::{name}"),
        }
    }

    fn wrap(&self, wrapper: Wrapper, inner: String) -> String {
        match wrapper {
            Wrapper::Vec => format!("Vec<{inner}>"),
            Wrapper::Map => format!("Map<String, {inner}>"),
            Wrapper::Box => format!("Box<{inner}>"),
            Wrapper::Option => format!("Option<{inner}>"),
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&Short))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ParamLocation;

    fn field(ty: Ty, required: bool, boxed: bool) -> Field {
        Field {
            name: "x".into(),
            wire: "x".into(),
            ty,
            required,
            nullable: false,
            boxed,
            doc: None,
            example: None,
            max_items: None,
            max_bytes: Vec::new(),
            date_time: false,
            mirror: None,
        }
    }

    #[test]
    fn short_spelling_nests_and_wraps() {
        let ty = Ty::Array(Box::new(Ty::Map(Box::new(Ty::Common("Post".into())))));
        assert_eq!(ty.to_string(), "Vec<Map<String, common::Post>>");
        assert_eq!(Ty::File.to_string(), "FilePart");
        assert_eq!(
            field(Ty::Named("Node".into()), false, true).render_ty(&Short),
            "Option<Box<Node>>"
        );
        assert_eq!(field(Ty::Integer, true, false).render_ty(&Short), "i64");
        let param = Param {
            name: "limit".into(),
            wire: "limit".into(),
            location: ParamLocation::Query,
            ty: Ty::Value,
            required: false,
            doc: None,
            minimum: None,
            maximum: None,
            joined: false,
            date_time: false,
        };
        assert_eq!(param.render_ty(&Short), "Option<Value>");
    }

    #[test]
    fn types_whose_positional_arguments_could_be_swapped_are_built_by_name() {
        let string = field(Ty::String, true, false);
        let number = field(Ty::Integer, true, false);
        let flag = field(Ty::Boolean, true, false);
        let optional = field(Ty::String, false, false);
        let built = |fields: &[Field]| Field::built_by_name(fields);
        assert!(!built(&[string.clone(), number.clone(), optional.clone()]));
        assert!(built(&[string.clone(), optional.clone(), string.clone()]));
        assert!(!built(&[string.clone(), number.clone(), flag.clone()]));
        let four = [string, number, flag, field(Ty::Number, true, false)];
        assert!(built(&four));
        let mut mirrored = field(Ty::String, true, false);
        mirrored.mirror = Some("x".into());
        // A mirror is not given: one string given, one mirrored, is `new(x)`.
        assert!(!built(&[field(Ty::String, true, false), mirrored]));
    }
}
