//! Execution over HTTP against Sentry: configuration, transport, pagination and retries.
