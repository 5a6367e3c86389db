//! Small checks shared by every rule that takes text from outside.

use crate::Invalid;

/// Text whose length in characters lies in `min..=max`.
pub fn text_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), Invalid> {
    let len = value.chars().count();
    if len < min {
        return Err(Invalid::new(
            field,
            format!("must be at least {min} characters long"),
        ));
    }
    if len > max {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    Ok(())
}

/// An optional text that, when present, is at most `max` characters long.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), Invalid> {
    value.map_or(Ok(()), |v| text_len(field, v, 0, max))
}

/// A whole number in `min..=max`.
pub fn range(field: &str, value: i64, min: i64, max: i64) -> Result<(), Invalid> {
    if value < min || value > max {
        return Err(Invalid::new(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(())
}

/// A lowerCamel token such as `available` or `inMeeting`.
pub fn lower_camel(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    text_len(field, value, 1, max)?;
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric()) {
        return Err(Invalid::new(
            field,
            "must be a lowerCamel token such as `inMeeting`",
        ));
    }
    Ok(())
}
