//! GB 32100-2015 unified social credit codes: known-valid codes pass, and every
//! one-character change to them fails.

use fapiao::invoice::{
    BuyerTaxId, CREDIT_CODE_ALPHABET, TaxIdError, UnifiedSocialCreditCode,
    credit_code_check_character,
};

const KNOWN_VALID: [&str; 4] = [
    "91350200776049653A",
    "91440101MA5CJQ4N59",
    "91350213678251743X",
    "123502001549897397",
];

#[test]
fn known_valid_codes_pass() {
    for code in KNOWN_VALID {
        let parsed = UnifiedSocialCreditCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(parsed.as_str(), code);
        assert_eq!(parsed.to_string(), code);
        assert_eq!(
            credit_code_check_character(&code[..17]),
            Ok(code.chars().last().unwrap())
        );
        assert_eq!(
            BuyerTaxId::parse(code, false),
            Ok(BuyerTaxId::CreditCode(parsed))
        );
    }
}

/// Every character a one-character change could put in: the alphabet, the letters
/// it leaves out, lower case, punctuation, a space, a full-width digit, a CJK
/// character.
fn replacement_characters() -> Vec<char> {
    let mut chars: Vec<char> = (0x20u8..0x7f).map(char::from).collect();
    chars.extend(['０', '９', 'Ａ', '中', '\u{0}', '\t']);
    chars
}

#[test]
fn every_one_character_substitution_fails() {
    let mut tried = 0;
    for code in KNOWN_VALID {
        let original: Vec<char> = code.chars().collect();
        for position in 0..original.len() {
            for replacement in replacement_characters() {
                if replacement == original[position] {
                    continue;
                }
                let mut changed = original.clone();
                changed[position] = replacement;
                let changed: String = changed.into_iter().collect();
                assert!(
                    UnifiedSocialCreditCode::parse(&changed).is_err(),
                    "{changed:?} (from {code}, position {}) was accepted",
                    position + 1
                );
                assert!(
                    BuyerTaxId::parse(&changed, true).is_err(),
                    "{changed:?} lenient"
                );
                tried += 1;
            }
        }
    }
    assert!(tried > 4 * 18 * 90);
}

#[test]
fn every_one_character_deletion_insertion_and_transposition_fails() {
    for code in KNOWN_VALID {
        let original: Vec<char> = code.chars().collect();
        for position in 0..original.len() {
            let mut shorter = original.clone();
            shorter.remove(position);
            let shorter: String = shorter.into_iter().collect();
            assert_eq!(
                UnifiedSocialCreditCode::parse(&shorter),
                Err(TaxIdError::WrongLength {
                    len: 17,
                    legacy: ""
                })
            );
            for &inserted in CREDIT_CODE_ALPHABET {
                let mut longer = original.clone();
                longer.insert(position, char::from(inserted));
                let longer: String = longer.into_iter().collect();
                assert!(UnifiedSocialCreditCode::parse(&longer).is_err(), "{longer}");
            }
            if position + 1 < original.len() && original[position] != original[position + 1] {
                let mut swapped = original.clone();
                swapped.swap(position, position + 1);
                let swapped: String = swapped.into_iter().collect();
                assert!(
                    UnifiedSocialCreditCode::parse(&swapped).is_err(),
                    "{swapped}"
                );
            }
        }
    }
}

#[test]
fn errors_say_what_is_wrong() {
    assert_eq!(
        UnifiedSocialCreditCode::parse("91350200776049653B"),
        Err(TaxIdError::CheckCharacterMismatch {
            expected: 'A',
            found: 'B'
        })
    );
    assert_eq!(
        UnifiedSocialCreditCode::parse("91350200776O49653A"),
        Err(TaxIdError::InvalidCharacter {
            position: 12,
            found: 'O'
        })
    );
    assert_eq!(
        UnifiedSocialCreditCode::parse("91350200776049653a"),
        Err(TaxIdError::InvalidCharacter {
            position: 18,
            found: 'a'
        })
    );
    assert_eq!(
        UnifiedSocialCreditCode::parse("9135020077604965中A"),
        Err(TaxIdError::InvalidCharacter {
            position: 17,
            found: '中'
        })
    );
    let message = UnifiedSocialCreditCode::parse("91350200776049653B")
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "check character is 'B', the first 17 characters give 'A'"
    );
}

#[test]
fn a_check_value_of_31_is_written_0() {
    // A weighted sum of 1 gives 31 − 1 = 30, 'Y'; a sum of 0 gives 31, written '0'.
    assert_eq!(credit_code_check_character("10000000000000000"), Ok('Y'));
    assert_eq!(credit_code_check_character("00000000000000000"), Ok('0'));
    UnifiedSocialCreditCode::parse("000000000000000000").expect("all zeros check to 0");
}

#[test]
fn serde_reads_only_valid_codes() {
    let code: UnifiedSocialCreditCode = serde_json::from_str("\"91440101MA5CJQ4N59\"").unwrap();
    assert_eq!(
        serde_json::to_string(&code).unwrap(),
        "\"91440101MA5CJQ4N59\""
    );
    assert!(serde_json::from_str::<UnifiedSocialCreditCode>("\"91440101MA5CJQ4N58\"").is_err());
}
