//! Test support shared by the integration tests.

pub(crate) mod binary;
pub(crate) mod pty;
pub(crate) mod server;
