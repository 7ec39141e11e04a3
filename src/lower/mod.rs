//! Lowering: a checked query becomes the Sentry request that expresses it. Pure; no I/O.

pub mod request;

pub use request::{Column, Endpoint, Method, Request};
