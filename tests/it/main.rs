//! Integration tests: one binary (one link step) with a module per concern.

mod flow;
mod harness;
mod payloads;
mod process;
mod reliability;
mod security;
