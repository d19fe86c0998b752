//! EventBridge event patterns and input transformers.
