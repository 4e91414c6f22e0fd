//! Checks for payout details, shared by the server (which decides) and the
//! browser (which mirrors them so a typo is flagged while the member types).
//! Pure functions on strings: no I/O, no allocation beyond the messages.

/// A plausible email address: one `@`, a local part, and a dotted domain of
/// letters, digits and hyphens. Deliberately simpler than RFC 5322; payout
/// providers accept no more than this.
pub fn check_email(value: &str) -> Result<(), &'static str> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Enter an email address");
    }
    if value.len() > 254 {
        return Err("The email address is too long");
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err("An email address has an @, like name@example.com");
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err("This is not a valid email address, like name@example.com")
    }
}

/// The IBAN without spaces, upper-cased.
pub fn normalize_iban(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// ISO 13616: country code, two check digits, up to 30 letters or digits,
/// and the whole rearranged number equal to 1 modulo 97.
pub fn check_iban(value: &str) -> Result<(), &'static str> {
    let iban = normalize_iban(value);
    if iban.is_empty() {
        return Err("Enter the IBAN");
    }
    if !(15..=34).contains(&iban.len()) || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("An IBAN has 15 to 34 letters and digits, like DE89 3704 0044 0532 0130 00");
    }
    let bytes = iban.as_bytes();
    if !bytes[..2].iter().all(u8::is_ascii_uppercase) || !bytes[2..4].iter().all(u8::is_ascii_digit)
    {
        return Err("An IBAN starts with a country code and two check digits, like DE89");
    }
    // Move the first four characters to the end, read letters as 10..35,
    // and reduce modulo 97 digit by digit so nothing overflows.
    let mut remainder: u32 = 0;
    for c in iban[4..].chars().chain(iban[..4].chars()) {
        let value = c.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    if remainder == 1 {
        Ok(())
    } else {
        Err("This IBAN's check digits do not match; check it for a typo")
    }
}

/// An ABA routing number: nine digits whose weighted sum (3, 7, 1, ...) is a
/// multiple of ten.
pub fn check_routing_number(value: &str) -> Result<(), &'static str> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Enter the routing number");
    }
    if value.len() != 9 || !value.chars().all(|c| c.is_ascii_digit()) {
        return Err("A routing number has exactly 9 digits");
    }
    let sum: u32 = value
        .chars()
        .zip([3, 7, 1].into_iter().cycle())
        .map(|(digit, weight)| digit.to_digit(10).unwrap_or(0) * weight)
        .sum();
    if sum.is_multiple_of(10) {
        Ok(())
    } else {
        Err("This routing number's checksum does not match; check it for a typo")
    }
}

/// A bank account number: 4 to 17 digits (the US range).
pub fn check_account_number(value: &str) -> Result<(), &'static str> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Enter the account number");
    }
    if !(4..=17).contains(&value.len()) || !value.chars().all(|c| c.is_ascii_digit()) {
        return Err("An account number has 4 to 17 digits");
    }
    Ok(())
}

/// ISO 9362: 4 letters (bank), 2 letters (country), 2 letters or digits
/// (location), optionally 3 letters or digits (branch).
pub fn check_bic(value: &str) -> Result<(), &'static str> {
    let bic = value.trim().to_ascii_uppercase();
    if bic.is_empty() {
        return Err("Enter the SWIFT/BIC code");
    }
    let bytes = bic.as_bytes();
    let shaped = (bic.len() == 8 || bic.len() == 11)
        && bytes[..6].iter().all(u8::is_ascii_uppercase)
        && bytes[6..].iter().all(u8::is_ascii_alphanumeric);
    if shaped {
        Ok(())
    } else {
        Err("A SWIFT/BIC code has 8 or 11 characters, like DEUTDEFF or DEUTDEFF500")
    }
}

/// A two-letter ISO 3166 country code.
pub fn check_country(value: &str) -> Result<(), &'static str> {
    let value = value.trim();
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(())
    } else {
        Err("Choose a country")
    }
}

/// Crypto networks members can be paid on, as (value, label).
pub const CRYPTO_NETWORKS: [(&str, &str); 4] = [
    ("bitcoin", "Bitcoin"),
    ("ethereum", "Ethereum (ERC-20)"),
    ("tron", "Tron (TRC-20)"),
    ("solana", "Solana"),
];

/// A wallet address's shape for its network. The checksum is the network's
/// business; this catches pasting the wrong thing into the box.
pub fn check_crypto_address(network: &str, value: &str) -> Result<(), &'static str> {
    let address = value.trim();
    if address.is_empty() {
        return Err("Enter the wallet address");
    }
    let base58 = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0OIl".contains(c))
    };
    let ok = match network {
        "bitcoin" => {
            let lower = address.to_ascii_lowercase();
            (lower.starts_with("bc1")
                && (14..=74).contains(&address.len())
                && lower.chars().all(|c| c.is_ascii_alphanumeric()))
                || ((address.starts_with('1') || address.starts_with('3'))
                    && (26..=35).contains(&address.len())
                    && base58(address))
        }
        "ethereum" => {
            address.len() == 42
                && address.starts_with("0x")
                && address[2..].chars().all(|c| c.is_ascii_hexdigit())
        }
        "tron" => address.len() == 34 && address.starts_with('T') && base58(address),
        "solana" => (32..=44).contains(&address.len()) && base58(address),
        _ => return Err("Choose a network"),
    };
    if ok {
        Ok(())
    } else {
        Err("This does not look like an address on the chosen network")
    }
}

/// The last four characters of a value, after a mask: `•••• 1234`.
pub fn mask_tail(value: &str) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

/// An email with its local part hidden but for the first letter: `a•••@example.com`.
pub fn mask_email(value: &str) -> String {
    match value.trim().split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => mask_tail(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@example.com",
            "first.last+tag@mail.example.co.uk",
            "x_y@a-b.io",
        ] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@example",
            "a@@example.com",
            "a@exa mple.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example.c",
            "a@example.123",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ibans_use_mod_97() {
        for good in [
            "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432",
            "gb82 west 1234 5698 7654 32",
            "NL91ABNA0417164300",
            "FR1420041010050500013M02606",
        ] {
            assert_eq!(check_iban(good), Ok(()), "{good}");
        }
        // One digit changed, two swapped, a bad shape.
        assert!(check_iban("DE89370400440532013001").is_err());
        assert!(check_iban("GB82WEST12345698765423").is_err());
        assert!(check_iban("89DE370400440532013000").is_err());
        assert!(check_iban("DE89-3704-0044").is_err());
        assert!(check_iban("").is_err());
    }

    #[test]
    fn routing_numbers_use_the_aba_checksum() {
        for good in ["011000015", "021000021", "121000358", "026009593"] {
            assert_eq!(check_routing_number(good), Ok(()), "{good}");
        }
        for bad in ["021000022", "12345678", "0210000210", "02100002a", ""] {
            assert!(check_routing_number(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn bics_have_their_shape() {
        for good in ["DEUTDEFF", "deutdeff500", "NEDSZAJJXXX"] {
            assert_eq!(check_bic(good), Ok(()), "{good}");
        }
        for bad in [
            "DEUTDEF",
            "DEUTDEFF5",
            "1EUTDEFF",
            "DEUT1EFF",
            "DEUTDEFF50!",
            "",
        ] {
            assert!(check_bic(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn crypto_addresses_match_their_network() {
        assert!(
            check_crypto_address("ethereum", "0x52908400098527886E0F7030069857D2E4169EE7").is_ok()
        );
        assert!(check_crypto_address("ethereum", "0x5290840009852788").is_err());
        assert!(
            check_crypto_address("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq").is_ok()
        );
        assert!(check_crypto_address("bitcoin", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT").is_ok());
        assert!(
            check_crypto_address("bitcoin", "0x52908400098527886E0F7030069857D2E4169EE7").is_err()
        );
        assert!(check_crypto_address("tron", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7").is_ok());
        assert!(check_crypto_address("dogecoin", "DBXu2kgc3xtvCUWFcxFE3r9hEYgmuaaCyD").is_err());
    }

    #[test]
    fn masks_keep_only_the_tail() {
        assert_eq!(mask_tail("DE89 3704 0044 0532 0130 00"), "•••• 3000");
        assert_eq!(mask_tail("12"), "•••• 12");
        assert_eq!(mask_email("ada@example.com"), "a•••@example.com");
    }
}
