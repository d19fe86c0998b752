//! The names a consumer goes by, all derived from its short name.

use super::ScaffoldError;

/// `loyalty-points` as crate, Rust path, template id and variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// `loyalty-points`: crate, binary, function short name, idempotency key prefix.
    pub name: String,
    /// `loyalty_points`: the crate as a Rust path.
    pub ident: String,
    /// `LoyaltyPoints`: the Rust type and the template's logical ids.
    pub pascal: String,
    /// `LOYALTY_POINTS_TABLE`: the variable that names its table, in the crate's
    /// `ItemsTable`, the template's `Environment` and the crate's tests.
    pub table_variable: String,
    /// `LoyaltyPointsFunction`: the function's logical id.
    pub function_id: String,
    /// `LoyaltyPointsTable`: its table's logical id.
    pub table_id: String,
}

impl Names {
    /// The names of `name`, or why it cannot be one.
    pub fn of(name: &str) -> Result<Self, ScaffoldError> {
        let valid = (2..=40).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !name.ends_with('-')
            && !name.contains("--")
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(ScaffoldError::InvalidName(name.to_owned()));
        }
        let pascal = name
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or(String::new(), |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        Ok(Self {
            name: name.to_owned(),
            ident: name.replace('-', "_"),
            table_variable: format!("{}_TABLE", name.replace('-', "_").to_ascii_uppercase()),
            function_id: format!("{pascal}Function"),
            table_id: format!("{pascal}Table"),
            pascal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_follows_from_the_short_one() {
        let names = Names::of("loyalty-points").expect("valid");
        assert_eq!(names.ident, "loyalty_points");
        assert_eq!(names.pascal, "LoyaltyPoints");
        assert_eq!(names.table_variable, "LOYALTY_POINTS_TABLE");
        assert_eq!(names.function_id, "LoyaltyPointsFunction");
        assert_eq!(names.table_id, "LoyaltyPointsTable");
    }

    #[test]
    fn names_that_cannot_be_crates_and_ids_are_refused() {
        for bad in [
            "", "a", "Loyalty", "1points", "points-", "a--b", "a_b", "a b", "é",
        ] {
            assert!(Names::of(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(Names::of("x2").is_ok());
    }
}
