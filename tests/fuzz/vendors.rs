//! The three vendor clients polled through their public face (a `VendorClient` built as the
//! engine builds it) against the answer server, one generated case after another. Every route
//! of a case gets either the documented answer (so that later calls are reached: a status call
//! needs a sign-in that worked) or generated ones.
//!
//! The property: no panic anywhere (including the clients' background tasks), each poll ends in
//! observations or in an error with a message, well within a time limit, and the account's
//! secret appears in no error message and no observation.

use crate::answer_server::{Answer, AnswerServer, Classify, Script};
use crate::answers::{answer, documented, fixture};
use agentwatch_core::config::AccountConfig;
use agentwatch_core::poller::poll_with_overrides;
use base64::Engine as _;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Distinctive enough that finding it anywhere in an output can only mean it leaked.
const SECRET: &str = "Fz-S3cret-never-shown-7f3a9c";
/// Two polls and a shutdown against a server that answers at once: far less than this.
const CASE_LIMIT: Duration = Duration::from_secs(20);

/// One vendor's routes: for each, the documented answers and the headers they come with.
pub struct VendorShape {
    pub target: &'static str,
    pub classify: Classify,
    pub routes: Vec<Route>,
}

pub struct Route {
    pub name: &'static str,
    /// The first template is the documented success; the others are documented variants.
    pub templates: Vec<Value>,
    pub headers: Vec<(&'static str, &'static str)>,
    /// How often (in 4) the route gets generated answers rather than the documented one.
    pub fuzzed_in_4: u32,
}

/// A case: the answers for each route, in order.
pub type Case = Vec<(&'static str, Vec<Answer>)>;

fn route_answers(route: &Route) -> BoxedStrategy<(&'static str, Vec<Answer>)> {
    let name = route.name;
    let usual = documented(&route.templates[0], &route.headers);
    // The first requests of the route get generated answers, the later ones the documented
    // answer: a poll that makes several requests on one route (Agora asks once per state, Huawei
    // once per agent) then meets one or two bad answers among good ones, and the next poll
    // shows whether the client recovers.
    let then_usual = usual.clone();
    let generated = vec(answer(route.templates.clone(), route.headers.clone()), 1..3).prop_map(
        move |mut answers| {
            answers.push(then_usual.clone());
            answers
        },
    );
    prop_oneof![
        (4 - route.fuzzed_in_4) => Just(vec![usual]),
        route.fuzzed_in_4 => generated,
    ]
    .prop_map(move |answers| (name, answers))
    .boxed()
}

pub fn cases(shape: &VendorShape) -> BoxedStrategy<Case> {
    shape
        .routes
        .iter()
        .map(route_answers)
        .collect::<Vec<_>>()
        .boxed()
}

/// Runs the vendor's fuzz target for the budget.
pub fn fuzz_vendor(shape: VendorShape, account: impl Fn(&str) -> AccountConfig) {
    let rt = crate::harness::runtime(shape.target);
    let server = rt.block_on(AnswerServer::start());
    let account = account(&server.base_url());
    let forbidden = forbidden_texts(&account);
    let classify = shape.classify;
    // How the polls ended, to show that the cases reach the parsers rather than stopping early.
    let outcomes = std::cell::Cell::new((0u64, 0u64));
    crate::harness::fuzz(shape.target, cases(&shape), |case| {
        server.script(Script {
            classify,
            answers: case.into_iter().collect::<HashMap<_, _>>(),
        });
        let client = agentwatch_tests::client(&account, SECRET)
            .map_err(|e| TestCaseError::fail(format!("client not built: {e}")))?;
        let outcome = rt.block_on(async {
            let polls = tokio::time::timeout(CASE_LIMIT, async {
                let first = poll_with_overrides(&account, client.as_ref()).await;
                let second = poll_with_overrides(&account, client.as_ref()).await;
                let _ = tokio::time::timeout(Duration::from_secs(5), client.shutdown()).await;
                [first, second]
            })
            .await;
            // Dropped inside the runtime: a client may hand its sign-out to a task.
            drop(client);
            polls
        });
        let polls = outcome.map_err(|_| {
            TestCaseError::fail(format!(
                "two polls and a shutdown took longer than {CASE_LIMIT:?} (requests served: {:?})",
                server.served()
            ))
        })?;
        for poll in polls {
            let (ok, failed) = outcomes.get();
            outcomes.set(if poll.is_ok() {
                (ok + 1, failed)
            } else {
                (ok, failed + 1)
            });
            match poll {
                Ok(observations) => {
                    let shown = format!("{observations:?}");
                    for secret in &forbidden {
                        prop_assert!(
                            !shown.contains(secret.as_str()),
                            "the secret is in an observation: {shown:.500}"
                        );
                    }
                }
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(
                        !message.trim().is_empty(),
                        "an error without a message: {e:?}"
                    );
                    for secret in &forbidden {
                        prop_assert!(
                            !message.contains(secret.as_str()),
                            "the secret is in an error message: {message:.500}"
                        );
                    }
                }
            }
        }
        Ok(())
    });
    let (ok, failed) = outcomes.get();
    println!(
        "fuzz-polls target={} with_observations={ok} failed_with_a_reason={failed}",
        shape.target
    );
}

/// The secret, and the Basic credentials Agora's header carries it in.
fn forbidden_texts(account: &AccountConfig) -> Vec<String> {
    let mut out = vec![SECRET.to_string()];
    if let Some(customer) = account.options.get("customer_id").and_then(|v| v.as_str()) {
        out.push(base64::engine::general_purpose::STANDARD.encode(format!("{customer}:{SECRET}")));
    }
    out
}

macro_rules! vendor_fixture {
    ($name:literal) => {
        fixture(include_str!(concat!(
            "../../crates/core/src/vendors/fixtures/",
            $name
        )))
    };
}

pub fn huawei() -> VendorShape {
    let guid = (
        "Set-GUID",
        "JSESSIONID=5c0ffee0-1234-4abc-9def-0123456789ab.AgentGateway0",
    );
    let json = ("Content-Type", "application/json; charset=UTF-8");
    let ok = json!({"message": "", "retcode": "0", "result": ""});
    VendorShape {
        target: "huawei",
        classify: |method, path| {
            if path.contains("agentstatus") {
                "status"
            } else if path.contains("qualitycontrol") {
                "listing"
            } else if path.contains("agentevent") {
                "event"
            } else if path.contains("forcelogin") {
                "forcelogin"
            } else if method == "DELETE" {
                "logout"
            } else if method == "PUT" && path.contains("onlineagent") {
                "signin"
            } else {
                "other"
            }
        },
        routes: vec![
            Route {
                name: "signin",
                templates: vec![
                    vendor_fixture!("huawei_signin_ok.json"),
                    json!({"message": "already signed in", "retcode": "100-002"}),
                    json!({"message": "wrong user or password", "retcode": "100-004"}),
                    json!({"msg": "internal error", "retcode": "100-007", "result": 0}),
                ],
                headers: vec![guid, json],
                fuzzed_in_4: 1,
            },
            Route {
                name: "forcelogin",
                templates: vec![vendor_fixture!("huawei_signin_ok.json")],
                headers: vec![guid, json],
                fuzzed_in_4: 1,
            },
            Route {
                name: "status",
                templates: vec![
                    vendor_fixture!("huawei_status_seed.json"),
                    vendor_fixture!("huawei_status_msg.json"),
                    vendor_fixture!("huawei_status_array.json"),
                    json!({"message": "the agent does not exist", "retcode": "000-002"}),
                    json!({"message": "not signed in", "retcode": "100-006"}),
                    json!({"message": "no permission", "retcode": "000-003"}),
                    json!({"retcode": "0", "result": {"agentState": "5", "isWorking": "false"}}),
                ],
                headers: vec![json],
                fuzzed_in_4: 3,
            },
            Route {
                name: "listing",
                templates: vec![
                    json!({"message": "", "retcode": "0", "result": [
                        {"workno": "101", "name": "Alice Zhang", "status": "4"},
                        {"workno": "102", "name": "李伟", "status": "7", "groupName": "g1"},
                        {"workno": "5001", "name": "the seat", "status": "3"}
                    ]}),
                    json!({"msg": "", "retcode": 0, "result": [
                        {"workNo": 101, "name": 7, "status": 8, "ctiStatus": "3"},
                        {"name": "no work number", "status": "4"}
                    ]}),
                    json!({"message": "no permission", "retcode": "000-003"}),
                    json!({"detail": "no such route", "reason": "NotFound"}),
                ],
                headers: vec![json],
                fuzzed_in_4: 2,
            },
            Route {
                name: "event",
                templates: vec![
                    vendor_fixture!("huawei_event.json"),
                    ok.clone(),
                    json!({"message": "", "retcode": "0", "event": [
                        {"eventType": "QC_AgentState_Notify", "workNo": 5001, "content":
                            {"subtype": "QC_AgentState_Login", "monitoredagent": "102", "agentname": "张三"}},
                        {"eventType": "AgentState_Rest_Timeout", "content": null}
                    ]}),
                    json!({"message": "not signed in", "retcode": "100-006"}),
                ],
                headers: vec![guid, json],
                fuzzed_in_4: 2,
            },
            Route {
                name: "logout",
                templates: vec![ok, json!({"message": "talking", "retcode": "100-007"})],
                headers: vec![json],
                fuzzed_in_4: 2,
            },
        ],
    }
}

pub fn agora() -> VendorShape {
    let json = ("Content-Type", "application/json");
    let listed = |id: &str, status: &str| json!({"start_ts": 1735035893, "status": status, "agent_id": id, "name": format!("bot {id}"), "channel": "c1"});
    VendorShape {
        target: "agora",
        classify: |_, path| {
            let path = path.split('?').next().unwrap_or("");
            match path.rsplit_once("/agents") {
                Some((_, "")) => "list",
                Some(_) => "agent",
                None => "other",
            }
        },
        routes: vec![
            Route {
                name: "list",
                templates: vec![
                    vendor_fixture!("agora_list_seed.json"),
                    json!({"data": {"count": 3, "list": [
                        listed("A1", "RUNNING"), listed("A2", "FAILED"), listed("A3", "NEW_STATE")
                    ]}, "meta": {"cursor": "", "total": 3}, "status": "ok"}),
                    json!({"data": {"count": 1, "list": [listed("A1", "RECOVERING")]}, "status": "ok"}),
                    json!({"data": {"count": 2, "list": [listed("A1", "RUNNING")]}, "meta": {"cursor": "A2", "total": 2}, "status": "ok"}),
                    vendor_fixture!("agora_error.json"),
                    vendor_fixture!("agora_error_legacy.json"),
                ],
                headers: vec![json],
                fuzzed_in_4: 3,
            },
            Route {
                name: "agent",
                templates: vec![
                    vendor_fixture!("agora_agent.json"),
                    vendor_fixture!("agora_error.json"),
                ],
                headers: vec![json],
                fuzzed_in_4: 2,
            },
        ],
    }
}

pub fn segura() -> VendorShape {
    let json = ("Content-Type", "application/json");
    let list = vendor_fixture!("segura_list_seed.json");
    let mut agents_spelling = list.clone();
    if let Some(map) = agents_spelling.as_object_mut() {
        let agents = map.remove("agent").unwrap_or(Value::Null);
        map.insert("agents".into(), agents);
        map.insert(
            "extra".into(),
            json!([{"id": 2, "name": "Numeric", "port": 30001, "fingerprint": "abc"}]),
        );
    }
    VendorShape {
        target: "segura",
        classify: |_, path| {
            if path.contains("oauth2/token") {
                "token"
            } else if path.contains("/nc/agent") {
                "list"
            } else {
                "other"
            }
        },
        routes: vec![
            Route {
                name: "token",
                templates: vec![
                    json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "tok-0123456789"}),
                    json!({"token_type": "bearer", "expires_in": "86400", "access_token": "tok-x"}),
                    json!({"error": "invalid_client", "error_description": "bad credentials"}),
                ],
                headers: vec![json],
                fuzzed_in_4: 1,
            },
            Route {
                name: "list",
                templates: vec![
                    list,
                    agents_spelling,
                    vendor_fixture!("segura_list_404.json"),
                    vendor_fixture!("segura_list_500_referer.json"),
                    json!({"response": {"status": 400, "message": "Bad request", "error": "true", "error_code": 1}, "exception": {"code": 1, "message": "Bad", "detail": "x"}}),
                ],
                headers: vec![json],
                fuzzed_in_4: 3,
            },
        ],
    }
}
