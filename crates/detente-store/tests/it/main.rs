//! Integration tests of the results store: one binary, one module per concern.

mod export;
mod mediated;
mod merge;
mod refuse;
mod resume;
mod schema;
mod util;
