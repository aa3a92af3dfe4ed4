//! The invoice layer: JSON, validation rules, tax ids, samples and properties.

#[path = "../invoice_support/mod.rs"]
mod invoice_support;

mod invoice_json;
mod invoice_properties;
mod invoice_rules_header;
mod invoice_rules_lines;
mod invoice_rules_totals;
mod invoice_samples;
mod invoice_tax_id;
