//! Cross-crate tests live in `e2e/`.
