//! The typed events a verified delivery is parsed into, by its `type`: every struct keeps
//! the fields it does not name in its `other` map, and a payload that does not fit stays
//! whole in [`WebhookEvent::Unknown`].

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

/// A contact event (`ContactCreate`, `ContactUpdate`, `ContactDelete`, `ContactTagUpdate`,
/// `ContactDndUpdate`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContactEvent {
    /// The contact id.
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Tags (lower case).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A message event (`InboundMessage`, `OutboundMessage`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageEvent {
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The contact.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The conversation.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// The message id.
    #[serde(default)]
    pub message_id: Option<String>,
    /// `SMS`, `Email`, `WhatsApp`, ...
    #[serde(default)]
    pub message_type: Option<String>,
    /// `inbound` or `outbound`.
    #[serde(default)]
    pub direction: Option<String>,
    /// The text.
    #[serde(default)]
    pub body: Option<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An opportunity event (`OpportunityCreate`, `OpportunityUpdate`, `OpportunityDelete`,
/// `OpportunityStatusUpdate`, `OpportunityStageUpdate`, ...).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OpportunityEvent {
    /// The opportunity id.
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The pipeline.
    #[serde(default)]
    pub pipeline_id: Option<String>,
    /// The stage.
    #[serde(default)]
    pub pipeline_stage_id: Option<String>,
    /// `open`, `won`, `lost`, `abandoned`.
    #[serde(default)]
    pub status: Option<String>,
    /// The monetary value (a number on the wire).
    #[serde(default)]
    pub monetary_value: Option<f64>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Deserializes `null` (as well as an absent field, with `#[serde(default)]`) as the
/// type's default: HighLevel can send `null` for an empty list or object.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A number sent as a JSON number or as a numeric string (`"150.10"`). Anything else is an
/// error, so that the event is kept whole as [`WebhookEvent::Unknown`] rather than losing
/// the value.
fn lenient_f64<'de, D>(deserializer: D) -> Result<Option<f64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expected a number or a numeric string")),
        _ => Err(serde::de::Error::custom(
            "expected a number or a numeric string",
        )),
    }
}

/// A string sent as a JSON string or as a number (`"19"` or `19`).
fn lenient_string<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(serde::de::Error::custom("expected a string or a number")),
    }
}

/// An app install event (`INSTALL`, `UNINSTALL`).
///
/// Every field is optional: a location install names `locationId` (and usually
/// `companyId`), an agency install names only `companyId`, and an install through "future
/// locations" may carry neither `userId` nor `companyId`. [`target`](Self::target) says
/// whose tokens the event is about. [`WebhookEvent::from_object`] never turns an `INSTALL`
/// or `UNINSTALL` object into [`WebhookEvent::Unknown`]: a field of an unexpected JSON type
/// is left in [`other`](Self::other) instead.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppInstallEvent {
    /// The app.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The location (for a location install).
    #[serde(default)]
    pub location_id: Option<String>,
    /// The company (agency).
    #[serde(default)]
    pub company_id: Option<String>,
    /// `Location` or `Company`, when sent.
    #[serde(default)]
    pub install_type: Option<String>,
    /// The user who installed the app (`INSTALL`, when sent).
    #[serde(default)]
    pub user_id: Option<String>,
    /// The company's name (`INSTALL`, when sent).
    #[serde(default)]
    pub company_name: Option<String>,
    /// The plan chosen, for a paid app (`INSTALL`, when sent).
    #[serde(default)]
    pub plan_id: Option<String>,
    /// Whether the company is white-labelled (`INSTALL`, when sent).
    #[serde(default)]
    pub is_whitelabel_company: Option<bool>,
    /// Every other field of the payload (`trial`, `whitelabelDetails`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Whose installation an [`AppInstallEvent`] is about: OAuth tokens are kept per location
/// (sub-account) or per company (agency).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallTarget<'a> {
    /// A location (sub-account) install: the location's token.
    Location(&'a str),
    /// A company (agency) install: the company's token.
    Company(&'a str),
}

impl AppInstallEvent {
    /// Builds the event from a payload object, never failing: a known key whose value has
    /// an unexpected JSON type is left in `other`.
    fn from_map(mut obj: Map<String, Value>) -> AppInstallEvent {
        let mut string = |key: &str| {
            if !matches!(obj.get(key), Some(Value::String(_))) {
                return None;
            }
            match obj.remove(key) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            }
        };
        let app_id = string("appId");
        let location_id = string("locationId");
        let company_id = string("companyId");
        let install_type = string("installType");
        let user_id = string("userId");
        let company_name = string("companyName");
        let plan_id = string("planId");
        let is_whitelabel_company = match obj.get("isWhitelabelCompany") {
            Some(Value::Bool(b)) => {
                let b = *b;
                obj.remove("isWhitelabelCompany");
                Some(b)
            }
            _ => None,
        };
        AppInstallEvent {
            app_id,
            location_id,
            company_id,
            install_type,
            user_id,
            company_name,
            plan_id,
            is_whitelabel_company,
            other: obj,
        }
    }

    /// True when this event is about the app `app_id`: its `appId` equals `app_id`, which
    /// may also be given as the app's OAuth client id (see
    /// [`app_id_of`](crate::auth::app_id_of)). An event without an `appId` belongs to no
    /// app known here: false.
    ///
    /// HighLevel signs every app's deliveries with the same key, so a webhook URL shared by
    /// several apps receives their installs and uninstalls alike: act on this app's only.
    pub fn is_for_app(&self, app_id: &str) -> bool {
        let want = crate::auth::app_id_of(app_id);
        !want.is_empty() && self.app_id.as_deref().is_some_and(|id| id.trim() == want)
    }

    /// Whose installation this is: the location for a location install, the company for
    /// an agency install (`installType` `Company`, or only a `companyId`). `None` when the
    /// payload names neither.
    pub fn target(&self) -> Option<InstallTarget<'_>> {
        let company_level = self
            .install_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("company") || t.eq_ignore_ascii_case("agency"));
        match (self.location_id.as_deref(), self.company_id.as_deref()) {
            (_, Some(company)) if company_level => Some(InstallTarget::Company(company)),
            (Some(location), _) => Some(InstallTarget::Location(location)),
            (None, Some(company)) => Some(InstallTarget::Company(company)),
            (None, None) => None,
        }
    }
}

/// An appointment event (`AppointmentCreate`, `AppointmentUpdate`, `AppointmentDelete`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppointmentEvent {
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The appointment (as it was, for a delete).
    pub appointment: Appointment,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `appointment` object of an [`AppointmentEvent`].
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Appointment {
    /// The appointment (event) id.
    pub id: String,
    /// The calendar.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// The contact booked.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The calendar group.
    #[serde(default)]
    pub group_id: Option<String>,
    /// The title.
    #[serde(default)]
    pub title: Option<String>,
    /// The meeting address or link.
    #[serde(default)]
    pub address: Option<String>,
    /// `confirmed`, `new`, `cancelled`, `showed`, `noshow`, `invalid`, ...
    #[serde(default)]
    pub appointment_status: Option<String>,
    /// The user the appointment is assigned to.
    #[serde(default)]
    pub assigned_user_id: Option<String>,
    /// The users taking part.
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Where it was booked from (`booking_widget`, ...).
    #[serde(default)]
    pub source: Option<String>,
    /// Start, as sent (ISO 8601 with an offset).
    #[serde(default)]
    pub start_time: Option<String>,
    /// End, as sent (ISO 8601 with an offset).
    #[serde(default)]
    pub end_time: Option<String>,
    /// When it was created, as sent.
    #[serde(default)]
    pub date_added: Option<String>,
    /// When it was last changed, as sent.
    #[serde(default)]
    pub date_updated: Option<String>,
    /// Every other field of the appointment.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An invoice event (`InvoiceCreate`, `InvoiceUpdate`, `InvoiceSent`, `InvoicePaid`,
/// `InvoicePartiallyPaid`, `InvoiceVoid`, `InvoiceDelete`): the invoice after the change.
///
/// Amounts are in the invoice's currency units (not cents), as HighLevel sends them.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceEvent {
    /// The invoice id (`_id` on the wire).
    #[serde(rename = "_id")]
    pub id: String,
    /// The location, when the payload names it (see also [`InvoiceEvent::location`]).
    #[serde(default)]
    pub location_id: Option<String>,
    /// The owner's id: the location id when `altType` is `location`.
    #[serde(default)]
    pub alt_id: Option<String>,
    /// The owner's kind (`location`).
    #[serde(default)]
    pub alt_type: Option<String>,
    /// `draft`, `sent`, `paid`, `partially_paid`, `void`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// False for test-mode invoices.
    #[serde(default)]
    pub live_mode: Option<bool>,
    /// The invoice's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The title printed on it (`INVOICE`).
    #[serde(default)]
    pub title: Option<String>,
    /// The invoice number (a string, also when sent as a number).
    #[serde(default, deserialize_with = "lenient_string")]
    pub invoice_number: Option<String>,
    /// ISO 4217 currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// The total.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub total: Option<f64>,
    /// The amount paid so far.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub amount_paid: Option<f64>,
    /// The amount still due.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub amount_due: Option<f64>,
    /// Issue date, as sent (`2023-01-01`).
    #[serde(default)]
    pub issue_date: Option<String>,
    /// Due date, as sent (`2023-01-01`).
    #[serde(default)]
    pub due_date: Option<String>,
    /// Who is billed.
    #[serde(default)]
    pub contact_details: Option<InvoiceContact>,
    /// The line items.
    #[serde(default, deserialize_with = "null_as_default")]
    pub invoice_items: Vec<InvoiceItem>,
    /// When it was created, as sent.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last changed, as sent.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Every other field of the payload (`businessDetails`, `discount`, `totalSummary`,
    /// ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl InvoiceEvent {
    /// The location: `locationId`, or `altId` when `altType` is `location`.
    pub fn location(&self) -> Option<&str> {
        self.location_id.as_deref().or_else(|| {
            match (self.alt_type.as_deref(), self.alt_id.as_deref()) {
                (Some(t), Some(id)) if t.eq_ignore_ascii_case("location") => Some(id),
                _ => None,
            }
        })
    }
}

/// The `contactDetails` of an [`InvoiceEvent`].
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceContact {
    /// The contact id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone_no: Option<String>,
    /// Company name.
    #[serde(default)]
    pub company_name: Option<String>,
    /// Every other field (`address`, `additionalEmails`, `customFields`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One of the `invoiceItems` of an [`InvoiceEvent`].
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvoiceItem {
    /// The item id (`_id` on the wire).
    #[serde(default, rename = "_id")]
    pub id: Option<String>,
    /// The product.
    #[serde(default)]
    pub product_id: Option<String>,
    /// The price.
    #[serde(default)]
    pub price_id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// ISO 4217 currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub qty: Option<f64>,
    /// Unit amount.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub amount: Option<f64>,
    /// Every other field (`taxes`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An order event (`OrderCreate`, `OrderStatusUpdate`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderEvent {
    /// The order id (`_id` on the wire).
    #[serde(rename = "_id")]
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The owner's id: the location id when `altType` is `location`.
    #[serde(default)]
    pub alt_id: Option<String>,
    /// The owner's kind (`location`).
    #[serde(default)]
    pub alt_type: Option<String>,
    /// The contact who ordered.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// `pending`, `completed`, `cancelled`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// `unfulfilled`, `fulfilled`, ...
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    /// ISO 4217 currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// The total amount.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub amount: Option<f64>,
    /// False for test-mode orders.
    #[serde(default)]
    pub live_mode: Option<bool>,
    /// Subtotal, discount, tax and shipping.
    #[serde(default)]
    pub amount_summary: Option<OrderAmountSummary>,
    /// The items ordered.
    #[serde(default, deserialize_with = "null_as_default")]
    pub items: Vec<OrderItem>,
    /// When it was created, as sent.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last changed, as sent.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Every other field of the payload (`contactSnapshot`, `source`, `taxSummary`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `amountSummary` of an [`OrderEvent`].
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderAmountSummary {
    /// Subtotal.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub subtotal: Option<f64>,
    /// Discount.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub discount: Option<f64>,
    /// Tax.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub tax: Option<f64>,
    /// Shipping.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub shipping: Option<f64>,
    /// Every other field.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One of the `items` of an [`OrderEvent`].
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderItem {
    /// Name (product and variant).
    #[serde(default)]
    pub name: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub qty: Option<f64>,
    /// Every other field (`product`, `price`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A task event (`TaskCreate`, `TaskComplete`, `TaskDelete`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskEvent {
    /// The task id.
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The contact the task is about.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The user it is assigned to.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub body: Option<String>,
    /// Due date, as sent (ISO 8601).
    #[serde(default)]
    pub due_date: Option<String>,
    /// Whether it is completed, when sent.
    #[serde(default)]
    pub completed: Option<bool>,
    /// When it was created, as sent.
    #[serde(default)]
    pub date_added: Option<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A note event (`NoteCreate`, `NoteUpdate`, `NoteDelete`).
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NoteEvent {
    /// The note id.
    pub id: String,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The contact the note is on.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The text.
    #[serde(default)]
    pub body: Option<String>,
    /// When it was created, as sent.
    #[serde(default)]
    pub date_added: Option<String>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A form submission event (`FormSubmission`).
///
/// This type is not in HighLevel's published list of app webhook events, so every field
/// is optional; the names follow a form submission as the forms API returns it.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FormSubmissionEvent {
    /// The submission id.
    #[serde(default)]
    pub id: Option<String>,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The form.
    #[serde(default)]
    pub form_id: Option<String>,
    /// The contact created or updated by the submission.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The name entered.
    #[serde(default)]
    pub name: Option<String>,
    /// The email entered.
    #[serde(default)]
    pub email: Option<String>,
    /// When it was submitted, as sent.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The other answers, by field key (`others` on the wire).
    #[serde(default, rename = "others", deserialize_with = "null_as_default")]
    pub answers: Map<String, Value>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A survey submission event (`SurveySubmission`).
///
/// This type is not in HighLevel's published list of app webhook events, so every field
/// is optional; the names follow a survey submission as the surveys API returns it.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SurveySubmissionEvent {
    /// The submission id.
    #[serde(default)]
    pub id: Option<String>,
    /// The location.
    #[serde(default)]
    pub location_id: Option<String>,
    /// The survey.
    #[serde(default)]
    pub survey_id: Option<String>,
    /// The contact created or updated by the submission.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The name entered.
    #[serde(default)]
    pub name: Option<String>,
    /// The email entered.
    #[serde(default)]
    pub email: Option<String>,
    /// When it was submitted, as sent.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The other answers, by field key (`others` on the wire).
    #[serde(default, rename = "others", deserialize_with = "null_as_default")]
    pub answers: Map<String, Value>,
    /// Every other field of the payload.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A verified webhook event, by its `type` field.
///
/// A known type whose payload does not fit the typed struct (a required id missing, a
/// field of an unexpected JSON type) is kept as [`Unknown`](WebhookEvent::Unknown) rather
/// than rejected, so no delivery is lost; `INSTALL` and `UNINSTALL` objects always parse.
/// `Debug` shows only the event type: payloads can hold personal data.
#[non_exhaustive]
#[derive(Clone, PartialEq)]
pub enum WebhookEvent {
    /// `ContactCreate`.
    ContactCreate(ContactEvent),
    /// `ContactUpdate`.
    ContactUpdate(ContactEvent),
    /// `ContactDelete`.
    ContactDelete(ContactEvent),
    /// `ContactTagUpdate`.
    ContactTagUpdate(ContactEvent),
    /// `ContactDndUpdate`.
    ContactDndUpdate(ContactEvent),
    /// `InboundMessage`.
    InboundMessage(MessageEvent),
    /// `OutboundMessage`.
    OutboundMessage(MessageEvent),
    /// `OpportunityCreate`, `OpportunityUpdate`, `OpportunityDelete`,
    /// `OpportunityStatusUpdate`, `OpportunityStageUpdate`,
    /// `OpportunityMonetaryValueUpdate`, `OpportunityAssignedToUpdate`.
    Opportunity {
        /// The exact `type`.
        event_type: String,
        /// The payload.
        opportunity: OpportunityEvent,
    },
    /// `AppointmentCreate`.
    AppointmentCreate(AppointmentEvent),
    /// `AppointmentUpdate`.
    AppointmentUpdate(AppointmentEvent),
    /// `AppointmentDelete`.
    AppointmentDelete(AppointmentEvent),
    /// `InvoiceCreate`.
    InvoiceCreate(InvoiceEvent),
    /// `InvoiceUpdate`.
    InvoiceUpdate(InvoiceEvent),
    /// `InvoiceSent`.
    InvoiceSent(InvoiceEvent),
    /// `InvoicePaid`.
    InvoicePaid(InvoiceEvent),
    /// `InvoicePartiallyPaid`.
    InvoicePartiallyPaid(InvoiceEvent),
    /// `InvoiceVoid`.
    InvoiceVoid(InvoiceEvent),
    /// `InvoiceDelete`.
    InvoiceDelete(InvoiceEvent),
    /// `OrderCreate`.
    OrderCreate(OrderEvent),
    /// `OrderStatusUpdate`.
    OrderStatusUpdate(OrderEvent),
    /// `TaskCreate`.
    TaskCreate(TaskEvent),
    /// `TaskComplete`.
    TaskComplete(TaskEvent),
    /// `TaskDelete`.
    TaskDelete(TaskEvent),
    /// `NoteCreate`.
    NoteCreate(NoteEvent),
    /// `NoteUpdate`.
    NoteUpdate(NoteEvent),
    /// `NoteDelete`.
    NoteDelete(NoteEvent),
    /// `FormSubmission`.
    FormSubmission(FormSubmissionEvent),
    /// `SurveySubmission`.
    SurveySubmission(SurveySubmissionEvent),
    /// `INSTALL`.
    AppInstall(AppInstallEvent),
    /// `UNINSTALL`.
    AppUninstall(AppInstallEvent),
    /// Any other (or unparseable) event, with its JSON.
    Unknown {
        /// The `type` field, when present.
        event_type: Option<String>,
        /// The whole payload.
        payload: Map<String, Value>,
    },
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("type", &self.event_type())
            .finish_non_exhaustive()
    }
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($t)).finish_non_exhaustive()
            }
        }
    )*};
}
redacted_debug!(
    ContactEvent,
    MessageEvent,
    OpportunityEvent,
    AppInstallEvent,
    AppointmentEvent,
    Appointment,
    InvoiceEvent,
    InvoiceContact,
    InvoiceItem,
    OrderEvent,
    OrderAmountSummary,
    OrderItem,
    TaskEvent,
    NoteEvent,
    FormSubmissionEvent,
    SurveySubmissionEvent
);

impl WebhookEvent {
    /// Parses a (verified) payload object.
    pub fn from_object(obj: Map<String, Value>) -> WebhookEvent {
        let event_type = obj.get("type").and_then(|t| t.as_str()).map(str::to_owned);
        let Some(kind) = event_type.clone() else {
            return WebhookEvent::Unknown {
                event_type,
                payload: obj,
            };
        };
        fn typed<T: serde::de::DeserializeOwned>(obj: &Map<String, Value>) -> Option<T> {
            T::deserialize(Value::Object(obj.clone())).ok()
        }
        let parsed = match kind.as_str() {
            "ContactCreate" => typed(&obj).map(WebhookEvent::ContactCreate),
            "ContactUpdate" => typed(&obj).map(WebhookEvent::ContactUpdate),
            "ContactDelete" => typed(&obj).map(WebhookEvent::ContactDelete),
            "ContactTagUpdate" => typed(&obj).map(WebhookEvent::ContactTagUpdate),
            "ContactDndUpdate" => typed(&obj).map(WebhookEvent::ContactDndUpdate),
            "InboundMessage" => typed(&obj).map(WebhookEvent::InboundMessage),
            "OutboundMessage" => typed(&obj).map(WebhookEvent::OutboundMessage),
            k if k.starts_with("Opportunity") => {
                typed(&obj).map(|opportunity| WebhookEvent::Opportunity {
                    event_type: kind.clone(),
                    opportunity,
                })
            }
            "AppointmentCreate" => typed(&obj).map(WebhookEvent::AppointmentCreate),
            "AppointmentUpdate" => typed(&obj).map(WebhookEvent::AppointmentUpdate),
            "AppointmentDelete" => typed(&obj).map(WebhookEvent::AppointmentDelete),
            "InvoiceCreate" => typed(&obj).map(WebhookEvent::InvoiceCreate),
            "InvoiceUpdate" => typed(&obj).map(WebhookEvent::InvoiceUpdate),
            "InvoiceSent" => typed(&obj).map(WebhookEvent::InvoiceSent),
            "InvoicePaid" => typed(&obj).map(WebhookEvent::InvoicePaid),
            "InvoicePartiallyPaid" => typed(&obj).map(WebhookEvent::InvoicePartiallyPaid),
            "InvoiceVoid" => typed(&obj).map(WebhookEvent::InvoiceVoid),
            "InvoiceDelete" => typed(&obj).map(WebhookEvent::InvoiceDelete),
            "OrderCreate" => typed(&obj).map(WebhookEvent::OrderCreate),
            "OrderStatusUpdate" => typed(&obj).map(WebhookEvent::OrderStatusUpdate),
            "TaskCreate" => typed(&obj).map(WebhookEvent::TaskCreate),
            "TaskComplete" => typed(&obj).map(WebhookEvent::TaskComplete),
            "TaskDelete" => typed(&obj).map(WebhookEvent::TaskDelete),
            "NoteCreate" => typed(&obj).map(WebhookEvent::NoteCreate),
            "NoteUpdate" => typed(&obj).map(WebhookEvent::NoteUpdate),
            "NoteDelete" => typed(&obj).map(WebhookEvent::NoteDelete),
            "FormSubmission" => typed(&obj).map(WebhookEvent::FormSubmission),
            "SurveySubmission" => typed(&obj).map(WebhookEvent::SurveySubmission),
            "INSTALL" => return WebhookEvent::AppInstall(AppInstallEvent::from_map(obj)),
            "UNINSTALL" => return WebhookEvent::AppUninstall(AppInstallEvent::from_map(obj)),
            _ => None,
        };
        parsed.unwrap_or(WebhookEvent::Unknown {
            event_type,
            payload: obj,
        })
    }

    /// The event's `type`.
    pub fn event_type(&self) -> Option<&str> {
        Some(match self {
            WebhookEvent::ContactCreate(_) => "ContactCreate",
            WebhookEvent::ContactUpdate(_) => "ContactUpdate",
            WebhookEvent::ContactDelete(_) => "ContactDelete",
            WebhookEvent::ContactTagUpdate(_) => "ContactTagUpdate",
            WebhookEvent::ContactDndUpdate(_) => "ContactDndUpdate",
            WebhookEvent::InboundMessage(_) => "InboundMessage",
            WebhookEvent::OutboundMessage(_) => "OutboundMessage",
            WebhookEvent::Opportunity { event_type, .. } => event_type,
            WebhookEvent::AppointmentCreate(_) => "AppointmentCreate",
            WebhookEvent::AppointmentUpdate(_) => "AppointmentUpdate",
            WebhookEvent::AppointmentDelete(_) => "AppointmentDelete",
            WebhookEvent::InvoiceCreate(_) => "InvoiceCreate",
            WebhookEvent::InvoiceUpdate(_) => "InvoiceUpdate",
            WebhookEvent::InvoiceSent(_) => "InvoiceSent",
            WebhookEvent::InvoicePaid(_) => "InvoicePaid",
            WebhookEvent::InvoicePartiallyPaid(_) => "InvoicePartiallyPaid",
            WebhookEvent::InvoiceVoid(_) => "InvoiceVoid",
            WebhookEvent::InvoiceDelete(_) => "InvoiceDelete",
            WebhookEvent::OrderCreate(_) => "OrderCreate",
            WebhookEvent::OrderStatusUpdate(_) => "OrderStatusUpdate",
            WebhookEvent::TaskCreate(_) => "TaskCreate",
            WebhookEvent::TaskComplete(_) => "TaskComplete",
            WebhookEvent::TaskDelete(_) => "TaskDelete",
            WebhookEvent::NoteCreate(_) => "NoteCreate",
            WebhookEvent::NoteUpdate(_) => "NoteUpdate",
            WebhookEvent::NoteDelete(_) => "NoteDelete",
            WebhookEvent::FormSubmission(_) => "FormSubmission",
            WebhookEvent::SurveySubmission(_) => "SurveySubmission",
            WebhookEvent::AppInstall(_) => "INSTALL",
            WebhookEvent::AppUninstall(_) => "UNINSTALL",
            WebhookEvent::Unknown { event_type, .. } => return event_type.as_deref(),
        })
    }
}
