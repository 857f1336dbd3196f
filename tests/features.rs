//! Profile features on a tiny table computed by hand.

mod common;
use common::{temp_dir, write};
use promolab::data::features::{Scaler, build_profiles, flat_features};
use promolab::data::table::parse_time;
use promolab::data::{Mapping, load_paths};

#[test]
fn profile_features_match_hand_computed_values() {
    let dir = temp_dir("features");
    write(
        &dir,
        "customers.csv",
        "customer_id,signup_date,region,age_band,gender,preferred_channel\nC1,2026-01-01,north,25-34,f,email\nC2,2025-06-01,south,35-44,m,sms\n",
    );
    write(
        &dir,
        "products.csv",
        "product_id,category,base_price,unit_cost\nP1,shoes,50,20\nP2,home,20,8\n",
    );
    write(
        &dir,
        "order_lines.csv",
        "order_id,customer_id,product_id,timestamp,quantity,unit_price,discount_amount\n\
         O1,C1,P1,2026-05-22 10:00:00,2,50,10\n\
         O1,C1,P2,2026-05-22 10:00:00,1,20,0\n\
         O2,C1,P2,2026-03-01 00:00:00,1,20,0\n\
         O3,C2,P1,2026-06-02 00:00:00,1,50,0\n\
         O4,C2,P1,2025-05-01 00:00:00,1,50,0\n",
    );
    write(
        &dir,
        "events.csv",
        "customer_id,timestamp,event_type,product_id\n\
         C1,2026-05-20 09:00:00,add_to_cart,P1\n\
         C1,2026-05-20 09:10:00,checkout,P1\n\
         C1,2026-05-25 09:00:00,view,P2\n\
         C1,2026-05-25 09:01:00,view,P2\n\
         C1,2026-05-25 09:02:00,add_to_cart,P2\n\
         C2,2026-04-01 09:00:00,view,P1\n",
    );
    let tables = load_paths(&[dir.to_path_buf()], &Mapping::default()).unwrap();
    let as_of = parse_time("2026-06-01").unwrap();
    let p = build_profiles(&tables, as_of).unwrap();
    assert_eq!(p.customer_ids, vec!["C1", "C2"]);
    let get = |name: &str| {
        p.column(name)
            .unwrap_or_else(|| panic!("no feature {name}: {:?}", p.names))
            .to_vec()
    };
    let close = |a: &[f32], b: &[f32]| {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-4) && a.len() == b.len()
    };
    assert!(
        close(&get("recency_days"), &[9.0 + 14.0 / 24.0, 365.0]),
        "{:?}",
        get("recency_days")
    );
    assert_eq!(get("frequency_365d"), vec![2.0, 0.0]);
    assert_eq!(get("monetary_365d"), vec![130.0, 0.0]);
    assert_eq!(get("avg_basket"), vec![65.0, 0.0]);
    assert!(close(&get("discount_share"), &[10.0 / 140.0, 0.0]));
    assert_eq!(get("orders_30d"), vec![1.0, 0.0]);
    assert_eq!(get("orders_90d"), vec![1.0, 0.0]);
    assert!(close(&get("share_shoes"), &[90.0 / 130.0, 0.0]));
    assert!(close(&get("share_home"), &[40.0 / 130.0, 0.0]));
    assert_eq!(get("views_30d"), vec![2.0, 0.0]);
    assert_eq!(get("cart_days_30d"), vec![2.0, 0.0]);
    assert_eq!(get("cart_abandon_rate"), vec![0.5, 0.0]);
    assert_eq!(get("tenure_days"), vec![151.0, 365.0]);
    assert_eq!(get("preferred_channel=email"), vec![1.0, 0.0]);
    assert_eq!(get("preferred_channel=sms"), vec![0.0, 1.0]);

    let scaler = Scaler::fit(&p);
    let z = scaler.apply(&p).unwrap();
    assert_eq!(z.column("frequency_365d").unwrap(), &[1.0, -1.0]);
    let mut other = p.clone();
    other.names[0] = "renamed".into();
    assert!(scaler.apply(&other).unwrap_err().contains("renamed"));
}

#[test]
fn flat_table_features_leave_out_treatment_and_outcomes() {
    let dir = temp_dir("flat");
    let path = write(
        &dir,
        "flat.csv",
        "recency,zip_code,segment,visit,conversion,spend\n3,Urban,Mens E-Mail,1,0,0\n5,Rural,No E-Mail,0,0,0\n",
    );
    let t = promolab::data::load_table(&path, &Mapping::default()).unwrap();
    let p = flat_features(&t);
    assert_eq!(p.names, vec!["recency", "zip_code=Rural", "zip_code=Urban"]);
    assert_eq!(p.columns[0], vec![3.0, 5.0]);
    assert_eq!(p.columns[2], vec![1.0, 0.0]);
}
