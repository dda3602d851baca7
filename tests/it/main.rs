//! Integration tests: one binary (one link step) with a module per concern.

mod digest;
mod flow;
mod harness;
mod payloads;
mod security;
