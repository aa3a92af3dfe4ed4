//! The C API: handles and results, the envelope, exchange, platforms, tax and
//! batches through it, its bad inputs, the generated header and the C example.

#[path = "../ffi_support/mod.rs"]
mod ffi_support;

mod bad_inputs_ffi;
mod ffi;
mod ffi_batch;
mod ffi_c_example;
mod ffi_callback_device;
mod ffi_envelope;
mod ffi_exchange;
mod ffi_exchange_gm;
mod ffi_front_end;
mod ffi_gm;
mod ffi_header;
mod ffi_platform;
mod ffi_store_postgres;
mod ffi_tax;
mod ffi_token;
