//! Integration tests: one binary (one link step) with a module per concern.

mod cli;
mod flow;
mod harness;
mod payloads;
mod security;
mod socket;
