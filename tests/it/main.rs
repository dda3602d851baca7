//! Integration tests: one binary (one link step) with a module per concern.

mod cli;
mod db_roles;
mod deadline;
mod digest;
mod flow;
mod hardening;
mod harness;
mod home;
mod language;
mod limits;
mod manifest;
mod payloads;
mod process;
mod reliability;
mod security;
mod shortcuts;
mod socket;
mod store;
mod workflow;
