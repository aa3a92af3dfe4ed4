//! Fixed limits on the request's text fields, in characters (not bytes).

/// Longest request serial number (流水号).
pub const MAX_SERIAL_NUMBER_LEN: usize = 64;
/// Longest seller or buyer name.
pub const MAX_PARTY_NAME_CHARS: usize = 100;
/// Longest address-and-telephone field.
pub const MAX_ADDRESS_PHONE_CHARS: usize = 100;
/// Longest bank-and-account field.
pub const MAX_BANK_ACCOUNT_CHARS: usize = 100;
/// Longest e-mail address for delivery.
pub const MAX_EMAIL_CHARS: usize = 100;
/// Longest line name (goods or service).
pub const MAX_LINE_NAME_CHARS: usize = 100;
/// Longest specification or model.
pub const MAX_SPECIFICATION_CHARS: usize = 40;
/// Longest unit of measure.
pub const MAX_UNIT_CHARS: usize = 20;
/// Longest drawer, reviewer or payee name.
pub const MAX_PERSON_NAME_CHARS: usize = 20;
/// Longest remarks (备注).
pub const MAX_REMARKS_CHARS: usize = 230;
/// Longest red-letter confirmation number.
pub const MAX_CONFIRMATION_NUMBER_LEN: usize = 32;
/// Length of a tax classification code (税收分类编码).
pub const TAX_CLASSIFICATION_CODE_LEN: usize = 19;
