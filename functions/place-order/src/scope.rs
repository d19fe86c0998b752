//! Whose idempotency key a request carries. Keys are chosen by clients, so two clients may
//! pick the same one: every key is scoped to its caller, and a key is only ever matched
//! against the earlier requests of the same caller.

use orderly_core::idempotency::hash_value;
use serde::Deserialize;
use serde_json::{Value, json};

/// What place-order reads of an HTTP API request context (payload format 2.0): its id and
/// the caller the `AWS_IAM` authorizer verified. Read by hand rather than through
/// `aws_lambda_events`' full event type, whose deserializer is 75 KB of the bootstrap.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestContext {
    /// API Gateway's id of the request.
    #[serde(default)]
    pub request_id: Option<String>,
    /// What the authorizer verified.
    #[serde(default)]
    pub authorizer: Option<Authorizer>,
}

/// `requestContext.authorizer`.
#[derive(Debug, Default, Deserialize)]
pub struct Authorizer {
    /// The SigV4 caller, with the `AWS_IAM` authorizer.
    #[serde(default)]
    pub iam: Option<IamCaller>,
}

/// `requestContext.authorizer.iam`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamCaller {
    /// The caller's account.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The caller's principal id.
    #[serde(default)]
    pub caller_id: Option<String>,
    /// The caller's ARN (for an assumed role, the role session).
    #[serde(default)]
    pub user_arn: Option<String>,
    /// The Cognito identity, when the caller signed with identity pool credentials.
    #[serde(default)]
    pub cognito_identity: Option<CognitoIdentity>,
}

/// `requestContext.authorizer.iam.cognitoIdentity`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CognitoIdentity {
    /// The identity.
    #[serde(default)]
    pub identity_id: Option<String>,
    /// Its identity pool.
    #[serde(default)]
    pub identity_pool_id: Option<String>,
}

/// The caller a request's idempotency key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerScope {
    /// A direct Lambda invoke. The invoker holds `lambda:InvokeFunction` on place-order (a
    /// component of the system or an operator) and names its key in the body; its keys
    /// share this one scope, which no HTTP caller can reach.
    Direct,
    /// An HTTP request that carries no IAM identity: possible only when the API has no
    /// authorizer (a test event, an API deployed without `AWS_IAM`). Its keys share this
    /// one scope, which no signed caller can reach.
    Anonymous,
    /// A caller whose SigV4 signature API Gateway verified (the `AWS_IAM` authorizer). The
    /// principal is, by preference, the Cognito identity (`cognito:<pool>:<identity>`, since
    /// every user of an identity pool signs as the same role session), else the caller's ARN
    /// (`userArn`; for an assumed role it names the role session), else
    /// `caller:<accountId>:<callerId>`.
    Iam {
        /// The caller's stable identity, as above.
        principal: String,
    },
}

impl CallerScope {
    /// The scope of an HTTP API request, from the `AWS_IAM` authorizer's fields of its
    /// request context (payload format 2.0: `requestContext.authorizer.iam`).
    pub fn of_http(context: &RequestContext) -> Self {
        context
            .authorizer
            .as_ref()
            .and_then(iam_principal)
            .map_or(CallerScope::Anonymous, |principal| CallerScope::Iam {
                principal,
            })
    }

    /// What the idempotency record key holds besides the client's key: tagged, so that no
    /// principal can equal the `direct` or `anonymous` scope.
    fn key_part(&self) -> String {
        match self {
            CallerScope::Direct => "direct".to_owned(),
            CallerScope::Anonymous => "anonymous".to_owned(),
            CallerScope::Iam { principal } => format!("iam:{principal}"),
        }
    }

    /// A short, stable name of the scope for ids and events: `direct`, `anonymous` or
    /// `iam-` and 16 hex digits of the principal's hash (no ARN in events or logs).
    pub fn id(&self) -> String {
        match self {
            CallerScope::Direct | CallerScope::Anonymous => self.key_part(),
            CallerScope::Iam { .. } => {
                let hash = hash_value(&Value::String(self.key_part()));
                format!("iam-{}", &hash[..16])
            }
        }
    }
}

fn iam_principal(authorizer: &Authorizer) -> Option<String> {
    let iam = authorizer.iam.as_ref()?;
    fn present(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.trim().is_empty())
    }
    if let Some(cognito) = &iam.cognito_identity
        && let Some(identity) = present(&cognito.identity_id)
    {
        let pool = present(&cognito.identity_pool_id).unwrap_or("");
        return Some(format!("cognito:{pool}:{identity}"));
    }
    if let Some(arn) = present(&iam.user_arn) {
        return Some(arn.to_owned());
    }
    match (present(&iam.account_id), present(&iam.caller_id)) {
        (Some(account), Some(caller)) => Some(format!("caller:{account}:{caller}")),
        _ => None,
    }
}

/// A client's idempotency key in its caller's scope: what one request is, for the
/// idempotency record, the order id, the correlation id and the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedKey {
    /// Whose key it is.
    pub scope: CallerScope,
    /// The key as the client sent it, trimmed.
    pub key: String,
}

impl ScopedKey {
    /// `key` in `scope`.
    pub fn new(scope: CallerScope, key: impl Into<String>) -> Self {
        Self {
            scope,
            key: key.into(),
        }
    }

    /// What the idempotency engine keys the request on (it stores only its hash).
    pub fn record_key(&self) -> Value {
        json!([self.scope.key_part(), self.key])
    }

    /// The hash of [`record_key`](Self::record_key), hex: the seed of derived ids.
    pub fn hash(&self) -> String {
        hash_value(&self.record_key())
    }

    /// The idempotency key OrderCreated carries, `<scope id>:<key>`: consumers derive their
    /// own keys from it, so it must differ between callers that chose the same key.
    pub fn event_key(&self) -> String {
        format!("{}:{}", self.scope.id(), self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(iam: Value) -> RequestContext {
        serde_json::from_value(json!({
            "requestId": "r-1",
            "http": {"method": "POST", "path": "/orders"},
            "authorizer": {"iam": iam},
        }))
        .unwrap()
    }

    #[test]
    fn the_scope_is_the_most_specific_identity_the_authorizer_gives() {
        let cases = [
            (
                json!({"accountId": "111122223333", "callerId": "AIDAEXAMPLE",
                       "userArn": "arn:aws:iam::111122223333:user/alice"}),
                Some("arn:aws:iam::111122223333:user/alice"),
            ),
            (
                json!({"accountId": "111122223333", "callerId": "AIDAEXAMPLE"}),
                Some("caller:111122223333:AIDAEXAMPLE"),
            ),
            (
                json!({"accountId": "111122223333", "callerId": "AROAEXAMPLE:CognitoIdentityCredentials",
                       "userArn": "arn:aws:sts::111122223333:assumed-role/Unauth/CognitoIdentityCredentials",
                       "cognitoIdentity": {"amr": ["unauthenticated"], "identityId": "us-east-1:abc",
                                           "identityPoolId": "us-east-1:pool"}}),
                Some("cognito:us-east-1:pool:us-east-1:abc"),
            ),
            (json!({"userArn": "  "}), None),
            (json!({}), None),
        ];
        for (iam, principal) in cases {
            let expected = principal.map_or(CallerScope::Anonymous, |p| CallerScope::Iam {
                principal: p.to_owned(),
            });
            assert_eq!(
                CallerScope::of_http(&context(iam.clone())),
                expected,
                "{iam}"
            );
        }
        let mut no_authorizer = context(json!({}));
        no_authorizer.authorizer = None;
        assert_eq!(CallerScope::of_http(&no_authorizer), CallerScope::Anonymous);
    }

    #[test]
    fn scopes_keep_equal_keys_apart_and_carry_no_arn_in_ids() {
        let alice = CallerScope::Iam {
            principal: "arn:aws:iam::111122223333:user/alice".into(),
        };
        let bob = CallerScope::Iam {
            principal: "arn:aws:iam::111122223333:user/bob".into(),
        };
        // A principal named like a default scope still lands in its own scope.
        let named_direct = CallerScope::Iam {
            principal: "direct".into(),
        };
        let keys: Vec<ScopedKey> = [
            CallerScope::Direct,
            CallerScope::Anonymous,
            alice.clone(),
            bob,
            named_direct,
        ]
        .into_iter()
        .map(|scope| ScopedKey::new(scope, "k-1"))
        .collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a.hash(), b.hash(), "{a:?} and {b:?}");
                assert_ne!(a.event_key(), b.event_key(), "{a:?} and {b:?}");
            }
        }
        assert!(alice.id().starts_with("iam-") && !alice.id().contains("alice"));
        assert_eq!(
            ScopedKey::new(CallerScope::Direct, "k-1").event_key(),
            "direct:k-1"
        );
    }
}
