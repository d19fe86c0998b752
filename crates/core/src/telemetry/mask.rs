//! Personal data never reaches a log: helpers that mask it when a message must mention it.

/// `ada@example.com` → `a***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Any free text that may hold personal data (a name, an address line).
pub fn mask_text(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        "***".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_nothing_identifying() {
        assert_eq!(mask_email("ada@example.com"), "a***@example.com");
        assert_eq!(mask_email("no-at-sign"), "***");
        assert_eq!(mask_text("12 Analytical Way"), "***");
    }
}
