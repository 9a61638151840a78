//! Every peer encoding and the bare loop agree with accessgate on a small model.

#[path = "../../support/mod.rs"]
mod support;

use std::error::Error;

use accessgate_peers::Peers;
use support::bare::BareLoop;

/// A 50-user organisation in matrix mode, with teams, team-owned records and every level.
fn small() -> support::Shape {
    support::Shape {
        units: 10,
        max_depth: 7,
        tables: 3,
        roles: 20,
        users: 50,
        teams: 5,
        team_size: 20,
        direct_roles: 3,
        team_roles: 2,
        records: 200,
        share_every: 0,
        matrix: true,
    }
}

/// accessgate, the bare loop and each Cedar and casbin encoding give the same decision on 300
/// random requests, and the requests include both answers.
#[test]
fn every_encoding_agrees_with_accessgate() -> Result<(), Box<dyn Error>> {
    for seed in [5, 6] {
        let model = support::organisation(small(), seed);
        let peers = Peers::encode(&model)?;
        let bare = BareLoop::new(&model, &peers.policy);
        let requests = peers.requests(150, seed + 3)?;
        let mut allowed = 0;
        for r in &requests {
            let a = peers.accessgate(r);
            let bit = r.privilege.index().ok_or("one privilege")?;
            assert_eq!(
                bare.decide(r.user.index(), bit, r.record.index()),
                a,
                "bare loop on {:?}",
                r.casbin
            );
            for e in &peers.cedar {
                assert_eq!(e.decide(r), a, "cedar {} on {:?}", e.name, r.casbin);
            }
            for e in &peers.casbin {
                assert_eq!(e.decide(r), a, "casbin {} on {:?}", e.name, r.casbin);
            }
            allowed += usize::from(a);
        }
        assert!(allowed > 0 && allowed < requests.len(), "{allowed} allowed");
    }
    Ok(())
}
