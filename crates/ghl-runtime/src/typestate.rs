//! The states of a generated builder's required inputs.
//!
//! A call's required inputs other than its path (the resource's identity, the method's
//! arguments) are named setters on its builder: `blogs.get_all_blog_authors_by_location()
//! .location_id(id).limit(5).offset(0).send()`. Each such input is a type parameter of the
//! builder, [`Unset`] until its setter is called and [`Set`] after; `send` (and `paginate`)
//! exist once every one is [`Set`], so a call that misses one does not compile, and the error
//! names the input still unset (its type parameter carries the input's name). A generated
//! request body with two required fields or more is built the same way (`Post::builder()
//! .title(..).summary(..).build()`), its builder holding each value ([`Given`]).

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Set {}
}

/// A required input not given yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unset;

/// A required input given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Set;

/// Implemented by [`Set`] alone: what `send` asks of each required input's state.
#[diagnostic::on_unimplemented(
    message = "a required input of this call is not set",
    label = "set it on the builder before sending",
    note = "the builder's type parameter named after the input is still `Unset`: call the setter of that name"
)]
pub trait IsSet: sealed::Sealed {}

impl IsSet for Set {}

/// A required field of a generated type's builder that holds its value: implemented by the
/// value itself (a `String` is a given `String`), never by [`Unset`]. `build` asks it of each
/// required field, so a builder missing one has no `build`, and the error names the field's
/// type parameter.
#[diagnostic::on_unimplemented(
    message = "a required field of this value is not set",
    label = "set it on the builder before `build`",
    note = "the builder's type parameter named after the field is still `Unset`: call the setter of that name"
)]
pub trait Given<T> {
    /// The value.
    fn given(self) -> T;
}

impl<T> Given<T> for T {
    fn given(self) -> T {
        self
    }
}
