//! A vendor's account form, described as data: the dashboard draws its fields from this, so a
//! vendor's keys, labels, hints and checks live in the vendor's module and nowhere else.

use serde::Serialize;

/// How the dashboard asks for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// One of `options`.
    Select,
    /// A table of text keys to values, typed one `key = value` per line (`[accounts.states]`).
    Map,
}

/// Show a field (or use a secret label) only while another field has a given value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct When {
    pub field: &'static str,
    pub value: &'static str,
}

/// One choice of a `select` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// One key of the vendor's configuration as the form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormField {
    /// The config key; a dotted name (`fields.list`) is a key of a nested table.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<&'static str>,
    pub required: bool,
    /// A pattern the whole value must match (JavaScript and Rust regex syntax alike), and what
    /// to say when it does not. The core checks again on save, in its own code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_message: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// The value a new account starts with (the first option of a select when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

impl FormField {
    /// A text field, optional, with no pattern: the builder methods below add the rest.
    pub fn text(name: &'static str, label: &'static str) -> Self {
        FormField {
            name,
            label,
            kind: FieldKind::Text,
            hint: None,
            placeholder: None,
            required: false,
            pattern: None,
            pattern_message: None,
            options: Vec::new(),
            default: None,
            when: None,
        }
    }

    pub fn select(
        name: &'static str,
        label: &'static str,
        options: &[(&'static str, &'static str)],
    ) -> Self {
        FormField {
            kind: FieldKind::Select,
            options: options
                .iter()
                .map(|&(value, label)| Choice { value, label })
                .collect(),
            ..FormField::text(name, label)
        }
    }

    pub fn map(name: &'static str, label: &'static str) -> Self {
        FormField {
            kind: FieldKind::Map,
            ..FormField::text(name, label)
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn placeholder(mut self, placeholder: &'static str) -> Self {
        self.placeholder = Some(placeholder);
        self
    }

    pub fn pattern(mut self, pattern: &'static str, message: &'static str) -> Self {
        self.pattern = Some(pattern);
        self.pattern_message = Some(message);
        self
    }

    pub fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    pub fn when(mut self, field: &'static str, value: &'static str) -> Self {
        self.when = Some(When { field, value });
        self
    }

    /// The top-level config key this field writes (`fields` for `fields.list`).
    pub fn key(&self) -> &'static str {
        self.name.split('.').next().unwrap_or(self.name)
    }
}

/// The label of the account's secret, possibly depending on another field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretLabel {
    pub label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// What the dashboard says about the watch list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchRule {
    /// The vendor has no list call: agent ids must be named.
    pub required: bool,
    pub placeholder: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_message: Option<&'static str>,
}

impl WatchRule {
    /// Any agent ids, or none for every agent of the account.
    pub fn optional() -> Self {
        WatchRule {
            required: false,
            placeholder: "Agent id",
            pattern: None,
            pattern_message: None,
        }
    }
}

/// What the form's shared fields show while they are empty: an example of this vendor's own
/// (a Segura account is not offered a contact centre's id and name). Never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placeholders {
    /// An account id (letters, digits, '-', '_', '.').
    pub id: &'static str,
    /// A display name.
    pub name: &'static str,
    /// The server's address (the default one when the vendor has one).
    pub base_url: &'static str,
}

/// Everything the dashboard needs to offer a vendor and draw its account form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorForm {
    pub id: &'static str,
    /// The product's name ("Huawei CC-Gateway").
    pub label: &'static str,
    /// A short name for lists and chips ("Huawei").
    pub short_label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_base_url: Option<&'static str>,
    pub base_url_hint: &'static str,
    pub placeholders: Placeholders,
    /// The first whose `when` holds (or that has none) names the secret field.
    pub secret_labels: Vec<SecretLabel>,
    /// When the account needs no secret (`auth = "none"`), the field's hint says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_optional_when: Option<When>,
    pub watch: WatchRule,
    pub fields: Vec<FormField>,
    /// Time limits the dashboard offers for this vendor's states, one click each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_limit_presets: Vec<LimitPreset>,
    /// Tables of the account this vendor reads besides its fields (`queues`,
    /// `session_quality`); the dashboard draws an editor for the ones it has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<&'static str>,
}

/// A time limit a supervisor of this vendor's agents commonly sets: `[accounts.time_limits]`
/// gets `state = { warning, critical }` when it is picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitPreset {
    /// The key written: the state's label or native value, as the vendor's states read.
    pub state: &'static str,
    /// What the button says ("Rest").
    pub label: &'static str,
    pub warning: &'static str,
    pub critical: &'static str,
}

impl LimitPreset {
    pub const fn new(
        state: &'static str,
        label: &'static str,
        warning: &'static str,
        critical: &'static str,
    ) -> Self {
        LimitPreset {
            state,
            label,
            warning,
            critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::AccountConfig;
    use crate::model::Vendor;

    /// Each vendor's form shows examples of its own: no two vendors share an id or a name
    /// example, and each example is what the config accepts (a valid id and base URL).
    #[test]
    fn every_vendor_has_placeholders_of_its_own_that_the_config_accepts() {
        let forms = crate::vendors::registry::forms();
        for (i, form) in forms.iter().enumerate() {
            let p = &form.placeholders;
            for other in &forms[i + 1..] {
                assert_ne!(p.id, other.placeholders.id, "{} and {}", form.id, other.id);
                assert_ne!(
                    p.name, other.placeholders.name,
                    "{} and {}",
                    form.id, other.id
                );
            }
            let vendor: Vendor = form.id.parse().unwrap();
            let account = AccountConfig::new(p.id, vendor, Some(p.base_url));
            match account.validate() {
                Ok(()) => {}
                // The vendor's own required keys are not examples of the shared fields.
                Err((key, message)) => assert!(
                    key != "id" && key != "base_url",
                    "{}: the example {key} is refused: {message}",
                    form.id
                ),
            }
        }
    }
}
