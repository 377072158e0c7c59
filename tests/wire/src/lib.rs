//! Wire tests for the generated GoHighLevel client crates.
//!
//! Every test in `tests/` points a generated client at a local `wiremock` server and asserts
//! exactly what goes over the wire (method, path, query, headers, JSON body) and that the
//! responses the live API is documented to send (`shared/docs/api-deviations.md`) parse.
//! There is no library code.
