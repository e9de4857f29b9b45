//! webgan: a basic GAN that learns MNIST or Fashion-MNIST, in the browser or on the command
//! line. This crate is the experiment itself (data, models, training, evaluation, images); the
//! page's glue and the CLI only translate between their world and these types and events.

pub mod backend;
pub mod bench;
pub mod config;
pub mod data;
pub mod eval;
pub mod image;
pub mod model;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
