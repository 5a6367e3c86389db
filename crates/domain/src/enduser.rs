//! End users: the customers a desk talks to, with their contact details and custom attribute
//! values, and their right to be forgotten (anonymization).
//!
//! Every personal value of an end user is a field of [`EndUser`]; [`EndUser::anonymize`] is the
//! one place that says what forgetting an end user clears.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Invalid, Timestamp, Uuid, validate};

pub const NAME_MAX: usize = 255;
pub const EMAIL_MAX: usize = 254;
pub const AVATAR_URL_MAX: usize = 2048;
pub const EXTERNAL_ID_MAX: usize = 255;
pub const LIST_MAX: usize = 20;
pub const PHONE_DIGITS_MIN: usize = 6;
pub const PHONE_DIGITS_MAX: usize = 15;

/// What an anonymization request targets (Dixa's `_type`).
pub const ANONYMIZE_USER: &str = "User";

#[derive(Debug, Clone, PartialEq)]
pub struct EndUser {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_names: Vec<String>,
    pub additional_emails: Vec<String>,
    pub additional_phone_numbers: Vec<String>,
    pub avatar_url: Option<String>,
    pub external_id: Option<String>,
    /// Values by custom attribute id (a string for text attributes, strings for select ones).
    pub custom_attributes: BTreeMap<Uuid, Value>,
    pub anonymized_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Changes to an end user's details. `None` leaves a field as it is, `Some(None)` clears it.
/// Text is trimmed; an empty text is refused (clearing is `null`).
#[derive(Debug, Clone, Default)]
pub struct EndUserChanges {
    pub display_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub middle_names: Option<Option<Vec<String>>>,
    pub additional_emails: Option<Option<Vec<String>>>,
    pub additional_phone_numbers: Option<Option<Vec<String>>>,
    pub avatar_url: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
}

impl EndUserChanges {
    /// The changes of a full replacement (PUT): `displayName` is required and every field the
    /// body leaves out is cleared.
    pub fn into_replacement(self) -> Result<Self, Invalid> {
        if !matches!(self.display_name, Some(Some(_))) {
            return Err(Invalid::new("displayName", "is required"));
        }
        fn all<T>(field: Option<Option<T>>) -> Option<Option<T>> {
            Some(field.flatten())
        }
        Ok(Self {
            display_name: self.display_name,
            email: all(self.email),
            phone_number: all(self.phone_number),
            first_name: all(self.first_name),
            last_name: all(self.last_name),
            middle_names: all(self.middle_names),
            additional_emails: all(self.additional_emails),
            additional_phone_numbers: all(self.additional_phone_numbers),
            avatar_url: all(self.avatar_url),
            external_id: all(self.external_id),
        })
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        let name = |field: &str, v: &str| validate::text_len(field, v.trim(), 1, NAME_MAX);
        for (field, value) in [
            ("displayName", &self.display_name),
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
        ] {
            if let Some(Some(v)) = value {
                name(field, v)?;
            }
        }
        if let Some(Some(email)) = &self.email {
            check_email("email", email)?;
        }
        if let Some(Some(phone)) = &self.phone_number {
            check_phone("phoneNumber", phone)?;
        }
        if let Some(Some(url)) = &self.avatar_url {
            check_url("avatarUrl", url)?;
        }
        if let Some(Some(external)) = &self.external_id {
            validate::text_len("externalId", external.trim(), 1, EXTERNAL_ID_MAX)?;
        }
        check_list("middleNames", &self.middle_names, name)?;
        check_list("additionalEmails", &self.additional_emails, check_email)?;
        check_list(
            "additionalPhoneNumbers",
            &self.additional_phone_numbers,
            check_phone,
        )
    }

    /// Applies validated changes.
    pub fn apply(self, user: &mut EndUser) {
        let text = |v: Option<String>| v.map(|v| v.trim().to_owned());
        let list = |v: Option<Vec<String>>, each: fn(&str) -> String| {
            v.unwrap_or_default().iter().map(|x| each(x)).collect()
        };
        let trimmed = |v: &str| v.trim().to_owned();
        if let Some(v) = self.display_name {
            user.display_name = text(v);
        }
        if let Some(v) = self.email {
            user.email = text(v);
        }
        if let Some(v) = self.phone_number {
            user.phone_number = v.as_deref().map(normalize_phone);
        }
        if let Some(v) = self.first_name {
            user.first_name = text(v);
        }
        if let Some(v) = self.last_name {
            user.last_name = text(v);
        }
        if let Some(v) = self.middle_names {
            user.middle_names = list(v, trimmed);
        }
        if let Some(v) = self.additional_emails {
            user.additional_emails = list(v, trimmed);
        }
        if let Some(v) = self.additional_phone_numbers {
            user.additional_phone_numbers = list(v, normalize_phone);
        }
        if let Some(v) = self.avatar_url {
            user.avatar_url = text(v);
        }
        if let Some(v) = self.external_id {
            user.external_id = text(v);
        }
    }
}

impl EndUser {
    pub fn build(
        workspace_id: Uuid,
        changes: EndUserChanges,
        now: Timestamp,
    ) -> Result<Self, Invalid> {
        changes.validate()?;
        let mut user = EndUser {
            id: crate::new_id(),
            workspace_id,
            display_name: None,
            email: None,
            phone_number: None,
            first_name: None,
            last_name: None,
            middle_names: Vec::new(),
            additional_emails: Vec::new(),
            additional_phone_numbers: Vec::new(),
            avatar_url: None,
            external_id: None,
            custom_attributes: BTreeMap::new(),
            anonymized_at: None,
            created_at: now,
            updated_at: now,
        };
        changes.apply(&mut user);
        Ok(user)
    }

    pub fn is_anonymized(&self) -> bool {
        self.anonymized_at.is_some()
    }

    /// The key e-mail look-ups compare: the e-mail, lower-cased.
    pub fn email_key(&self) -> Option<String> {
        self.email.as_deref().map(email_key)
    }

    /// Forgets every personal value; the id and creation time stay, and the end user is marked
    /// anonymized.
    pub fn anonymize(&mut self, now: Timestamp) {
        *self = EndUser {
            id: self.id,
            workspace_id: self.workspace_id,
            display_name: None,
            email: None,
            phone_number: None,
            first_name: None,
            last_name: None,
            middle_names: Vec::new(),
            additional_emails: Vec::new(),
            additional_phone_numbers: Vec::new(),
            avatar_url: None,
            external_id: None,
            custom_attributes: BTreeMap::new(),
            anonymized_at: Some(now),
            created_at: self.created_at,
            updated_at: now,
        };
    }
}

/// A request to forget an entity (Dixa's `AnonymizationRequestStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymizationRequest {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `User` for end users.
    pub entity_type: String,
    pub target_id: Uuid,
    /// The API key that asked.
    pub requested_by: Uuid,
    pub initiated_at: Timestamp,
    pub processed_at: Option<Timestamp>,
}

impl AnonymizationRequest {
    /// The request for an end user, processed at once (anonymization is one transaction).
    pub fn of_end_user(user: &EndUser, requested_by: Uuid, now: Timestamp) -> Self {
        Self {
            id: crate::new_id(),
            workspace_id: user.workspace_id,
            entity_type: ANONYMIZE_USER.into(),
            target_id: user.id,
            requested_by,
            initiated_at: now,
            processed_at: Some(now),
        }
    }
}

/// The form e-mails are compared in.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A phone number as stored and compared: spaces and dashes are only formatting, so they go.
pub fn normalize_phone(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// `local@domain`, no spaces, at most 254 characters.
fn check_email(field: &str, email: &str) -> Result<(), Invalid> {
    let email = email.trim();
    validate::text_len(field, email, 1, EMAIL_MAX)?;
    let well_formed = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && email.matches('@').count() == 1
        && !email.chars().any(char::is_whitespace);
    if well_formed {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            "must be an e-mail address such as `name@example.com`",
        ))
    }
}

/// E.164-like: `+` then 6..15 digits, once spaces and dashes are taken out.
fn check_phone(field: &str, phone: &str) -> Result<(), Invalid> {
    let phone = normalize_phone(phone);
    let digits = phone.strip_prefix('+').unwrap_or_default();
    let well_formed = phone.starts_with('+')
        && (PHONE_DIGITS_MIN..=PHONE_DIGITS_MAX).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!(
                "must be a phone number in international form: `+` and {PHONE_DIGITS_MIN} to \
                 {PHONE_DIGITS_MAX} digits"
            ),
        ))
    }
}

/// An absolute `http` or `https` URL without spaces.
fn check_url(field: &str, url: &str) -> Result<(), Invalid> {
    let url = url.trim();
    validate::text_len(field, url, 1, AVATAR_URL_MAX)?;
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let has_host = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if has_host && !url.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(Invalid::new(field, "must be an http or https URL"))
    }
}

/// A list of at most 20 items, each checked by `each` (named `field[i]`).
fn check_list(
    field: &str,
    list: &Option<Option<Vec<String>>>,
    each: impl Fn(&str, &str) -> Result<(), Invalid>,
) -> Result<(), Invalid> {
    let Some(Some(items)) = list else {
        return Ok(());
    };
    if items.len() > LIST_MAX {
        return Err(Invalid::new(
            field,
            format!("must have at most {LIST_MAX} items"),
        ));
    }
    items
        .iter()
        .enumerate()
        .try_for_each(|(i, item)| each(&format!("{field}[{i}]"), item))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(changes: EndUserChanges) -> Result<EndUser, Invalid> {
        EndUser::build(Uuid::nil(), changes, Timestamp::from_millis(1))
    }

    #[test]
    fn contact_details_are_checked_and_tidied() {
        let built = user(EndUserChanges {
            display_name: Some(Some("  Ada ".into())),
            email: Some(Some("Ada@Example.org".into())),
            phone_number: Some(Some("+45 12-34 56 78".into())),
            additional_phone_numbers: Some(Some(vec!["+1 555 0100".into()])),
            avatar_url: Some(Some("https://example.org/a.png".into())),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(built.display_name.as_deref(), Some("Ada"));
        assert_eq!(built.phone_number.as_deref(), Some("+4512345678"));
        assert_eq!(built.additional_phone_numbers, vec!["+15550100"]);
        assert_eq!(built.email_key().as_deref(), Some("ada@example.org"));

        for (bad, field) in [
            (
                EndUserChanges {
                    email: Some(Some("no-at-sign".into())),
                    ..Default::default()
                },
                "email",
            ),
            (
                EndUserChanges {
                    phone_number: Some(Some("12345678".into())),
                    ..Default::default()
                },
                "phoneNumber",
            ),
            (
                EndUserChanges {
                    phone_number: Some(Some("+12345".into())),
                    ..Default::default()
                },
                "phoneNumber",
            ),
            (
                EndUserChanges {
                    avatar_url: Some(Some("ftp://example.org/a".into())),
                    ..Default::default()
                },
                "avatarUrl",
            ),
            (
                EndUserChanges {
                    additional_emails: Some(Some(vec!["a@b".into(), "bad".into()])),
                    ..Default::default()
                },
                "additionalEmails[1]",
            ),
            (
                EndUserChanges {
                    middle_names: Some(Some(vec!["x".into(); LIST_MAX + 1])),
                    ..Default::default()
                },
                "middleNames",
            ),
            (
                EndUserChanges {
                    display_name: Some(Some("   ".into())),
                    ..Default::default()
                },
                "displayName",
            ),
        ] {
            assert_eq!(user(bad).unwrap_err().field, field);
        }
    }

    #[test]
    fn a_replacement_needs_a_display_name_and_clears_the_rest() {
        let mut ada = user(EndUserChanges {
            display_name: Some(Some("Ada".into())),
            email: Some(Some("ada@example.org".into())),
            middle_names: Some(Some(vec!["B".into()])),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            EndUserChanges::default()
                .into_replacement()
                .unwrap_err()
                .field,
            "displayName"
        );
        let replace = EndUserChanges {
            display_name: Some(Some("Ada L".into())),
            ..Default::default()
        }
        .into_replacement()
        .unwrap();
        replace.apply(&mut ada);
        assert_eq!(ada.display_name.as_deref(), Some("Ada L"));
        assert_eq!(ada.email, None);
        assert!(ada.middle_names.is_empty());
    }

    #[test]
    fn anonymizing_keeps_only_the_id_and_creation() {
        let mut ada = user(EndUserChanges {
            display_name: Some(Some("Ada".into())),
            external_id: Some(Some("x-1".into())),
            ..Default::default()
        })
        .unwrap();
        ada.custom_attributes
            .insert(Uuid::nil(), Value::String("secret".into()));
        let (id, created) = (ada.id, ada.created_at);
        ada.anonymize(Timestamp::from_millis(9));
        let mut expected = user(EndUserChanges::default()).unwrap();
        expected.id = id;
        expected.created_at = created;
        expected.updated_at = Timestamp::from_millis(9);
        expected.anonymized_at = Some(Timestamp::from_millis(9));
        assert_eq!(ada, expected);
    }
}
