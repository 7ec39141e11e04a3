//! Lowering: a checked query becomes the Sentry request that expresses it. Pure; no I/O.

pub mod quote;
pub mod request;
pub mod search;

pub use request::{Column, Endpoint, Method, Request};
