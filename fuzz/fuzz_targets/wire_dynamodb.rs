//! DynamoDB request bodies as `orderly serve` reads them: a few requests (`Operation\nbody`)
//! sent in order to the local cloud, whose template tables are the app's stores (see
//! `orderly_fuzz::wire`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderly_fuzz::{Service, wire};

fuzz_target!(|data: &[u8]| wire(Service::DynamoDb, data));
