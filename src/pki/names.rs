//! Syntax of the names in subjectAltName and nameConstraints (RFC 5280 4.2.1.6
//! and 4.2.1.10), which webpki only looks at when it matches a server name.

use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{NameConstraints, SubjectAltName};

/// True when every dNSName and iPAddress of the subjectAltName is well formed:
/// DNS names in the preferred name syntax (RFC 1034 3.5, letters, digits and
/// hyphens; a leading `*.` wildcard label allowed), IP addresses of 4 or 16 bytes.
pub(crate) fn san_is_well_formed(san: &SubjectAltName) -> bool {
    san.0.iter().all(|name| match name {
        GeneralName::DnsName(dns) => {
            let text = dns.as_str();
            let host = text.strip_prefix("*.").unwrap_or(text);
            is_preferred_dns_name(host)
        }
        GeneralName::IpAddress(ip) => matches!(ip.as_bytes().len(), 4 | 16),
        _ => true,
    })
}

/// True when the name constraints are well formed: at least one of
/// permittedSubtrees and excludedSubtrees present, neither an empty sequence,
/// DNS-name bases in the preferred name syntax (no leading period, no wildcard;
/// RFC 5280 4.2.1.10), IP bases of 8 or 32 bytes with a contiguous mask.
pub(crate) fn name_constraints_are_well_formed(nc: &NameConstraints) -> bool {
    let subtrees = [&nc.permitted_subtrees, &nc.excluded_subtrees];
    if subtrees.iter().all(|s| s.is_none()) {
        return false;
    }
    subtrees.iter().all(|subtrees| match subtrees {
        None => true,
        Some(list) if list.is_empty() => false,
        Some(list) => list.iter().all(|subtree| match &subtree.base {
            GeneralName::DnsName(dns) => {
                dns.as_str().is_empty() || is_preferred_dns_name(dns.as_str())
            }
            GeneralName::IpAddress(ip) => ip_constraint_is_well_formed(ip.as_bytes()),
            _ => true,
        }),
    })
}

/// RFC 1034 3.5 preferred name syntax, as RFC 5280 4.2.1.6 requires: labels of 1
/// to 63 letters, digits and hyphens, not starting or ending with a hyphen; a
/// trailing dot is not allowed.
fn is_preferred_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// An iPAddress constraint: address and mask (8 or 32 bytes), the mask a run of
/// ones followed by zeros.
fn ip_constraint_is_well_formed(bytes: &[u8]) -> bool {
    if bytes.len() != 8 && bytes.len() != 32 {
        return false;
    }
    let mask = &bytes[bytes.len() / 2..];
    let mut seen_zero = false;
    for byte in mask {
        for bit in (0..8).rev() {
            let one = byte & (1 << bit) != 0;
            if one && seen_zero {
                return false;
            }
            seen_zero |= !one;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_name_syntax() {
        for ok in [
            "example.com",
            "a-b.example.com",
            "xn--n3h.com",
            "localhost",
            "1.example",
        ] {
            assert!(is_preferred_dns_name(ok), "{ok}");
        }
        for bad in [
            "",
            ".example.com",
            "foo_bar.example.com",
            "-a.com",
            "a-.com",
            "a..b",
            "*.a.com",
            "a.com.",
        ] {
            assert!(!is_preferred_dns_name(bad), "{bad}");
        }
    }

    #[test]
    fn ip_constraint_masks() {
        assert!(ip_constraint_is_well_formed(&[
            192, 0, 2, 0, 255, 255, 255, 0
        ]));
        assert!(!ip_constraint_is_well_formed(&[
            192, 0, 2, 0, 255, 0, 255, 0
        ]));
        assert!(!ip_constraint_is_well_formed(&[192, 0, 2, 0]));
    }
}
