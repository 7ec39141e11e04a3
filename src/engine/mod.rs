//! The local engine: evaluates checked queries over exported Sentry events, offline.
