//! Loading: encodings, header mapping, Parquet and CSV round trips, clear errors on bad files.

mod common;
use common::{temp_dir, write};
use polars::prelude::*;
use promolab::data::table::{Values, to_csv};
use promolab::data::{LoadError, Mapping, TableKind, load_table};

#[test]
fn gbk_file_with_chinese_headers_loads_as_order_lines() {
    let dir = temp_dir("gbk");
    let text = "订单号,用户ID,商品ID,下单时间,数量,价格\nO1,C1,P1,2026-01-02 10:00:00,2,19.9\n";
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    let path = dir.join("orders.csv");
    std::fs::write(&path, &bytes).unwrap();
    let t = load_table(&path, &Mapping::default()).unwrap();
    assert_eq!(t.kind, TableKind::OrderLines);
    assert_eq!(t.encoding, "GBK");
    assert_eq!(t.int("quantity").unwrap(), &[Some(2)]);
    assert_eq!(t.float("unit_price").unwrap(), &[Some(19.9)]);
    assert_eq!(t.column("order_id").unwrap().header, "订单号");
}

#[test]
fn utf8_bom_is_dropped_from_the_first_header() {
    let dir = temp_dir("bom");
    let path = dir.join("p.csv");
    std::fs::write(
        &path,
        b"\xEF\xBB\xBFproduct_id,category,base_price,unit_cost\nP1,home,5,2\n",
    )
    .unwrap();
    let t = load_table(&path, &Mapping::default()).unwrap();
    assert_eq!(t.encoding, "UTF-8 with BOM");
    assert_eq!(t.text("product_id").unwrap(), &[Some("P1".to_string())]);
}

#[test]
fn bad_files_get_one_clear_error_naming_file_and_place() {
    let dir = temp_dir("bad");
    let utf16 = dir.join("u16.csv");
    std::fs::write(&utf16, b"\xFF\xFEa\0,\0b\0").unwrap();
    assert!(matches!(
        load_table(&utf16, &Mapping::default()),
        Err(LoadError::Utf16 { .. })
    ));

    let binary = dir.join("bin.csv");
    std::fs::write(&binary, b"product_id,category\nP1,\xFF\xFF\xFF\n").unwrap();
    let e = load_table(&binary, &Mapping::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("bin.csv") && e.contains("line 2"), "{e}");

    let ragged = write(
        &dir,
        "ragged.csv",
        "product_id,category,base_price,unit_cost\nP1,home,5,2\nP2,home,5,2,9\n",
    );
    let e = load_table(&ragged, &Mapping::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("ragged.csv") && e.contains("row 2"), "{e}");
    assert_eq!(e.lines().count(), 1);

    let unknown = write(&dir, "what.csv", "foo,bar\n1,2\n");
    let e = load_table(&unknown, &Mapping::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("what.csv") && e.contains("mapping file"), "{e}");
    assert!(
        !e.contains("looks like"),
        "no kind is close to foo, bar: {e}"
    );

    // Close to a kind but for a required column: the error names the kind and the column.
    let customers = write(
        &dir,
        "customers.csv",
        "customer_id,region
C1,north
",
    );
    let e = load_table(&customers, &Mapping::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("looks like a customers table") && e.contains("'signup_date'"),
        "{e}"
    );
    let events = write(
        &dir,
        "ev.csv",
        "customer_id,event_type,product_id
C1,view,P1
",
    );
    let e = load_table(&events, &Mapping::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("looks like a behaviour events table") && e.contains("'timestamp'"),
        "{e}"
    );

    let empty = write(&dir, "empty.csv", "");
    assert!(matches!(
        load_table(&empty, &Mapping::default()),
        Err(LoadError::Empty { .. })
    ));

    let mapping = Mapping {
        kind: Some(TableKind::Products),
        ..Mapping::default()
    };
    let missing = write(&dir, "noprice.csv", "product_id,category\nP1,home\n");
    let e = load_table(&missing, &mapping).unwrap_err().to_string();
    assert!(e.contains("noprice.csv") && e.contains("base_price"), "{e}");
}

#[test]
fn mapping_file_maps_unusual_headers() {
    let dir = temp_dir("mapping");
    let path = write(&dir, "p.csv", "artikel,gruppe,preis,kosten\nA1,home,5,2\n");
    let mapping: Mapping = serde_json::from_str(r#"{"kind": "products", "columns": {"product_id": "artikel", "category": "gruppe", "base_price": "preis", "unit_cost": "kosten"}}"#).unwrap();
    let t = load_table(&path, &mapping).unwrap();
    assert_eq!(t.float("base_price").unwrap(), &[Some(5.0)]);
}

#[test]
fn parquet_and_csv_of_the_same_data_load_identically() {
    let dir = temp_dir("parquet");
    let csv = write(
        &dir,
        "lines.csv",
        "order_id,customer_id,product_id,timestamp,quantity,unit_price,discount_amount\nO1,C1,P1,2026-01-02 10:00:00,2,19.9,0\nO2,C2,P2,2026-01-03 11:00:00,1,5.5,1.25\n",
    );
    let from_csv = load_table(&csv, &Mapping::default()).unwrap();
    let mut df = df!(
        "order_id" => ["O1", "O2"],
        "customer_id" => ["C1", "C2"],
        "product_id" => ["P1", "P2"],
        "timestamp" => ["2026-01-02 10:00:00", "2026-01-03 11:00:00"],
        "quantity" => [2i64, 1],
        "unit_price" => [19.9f64, 5.5],
        "discount_amount" => [0.0f64, 1.25]
    )
    .unwrap();
    let pq = dir.join("lines.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();
    let from_pq = load_table(&pq, &Mapping::default()).unwrap();
    assert_eq!(from_pq.kind, TableKind::OrderLines);
    assert_eq!(
        from_pq
            .columns
            .iter()
            .map(|c| &c.values)
            .collect::<Vec<_>>(),
        from_csv
            .columns
            .iter()
            .map(|c| &c.values)
            .collect::<Vec<_>>()
    );
}

#[test]
fn writing_a_table_as_csv_and_loading_it_again_gives_the_same_values() {
    let dir = temp_dir("roundtrip");
    let src = write(
        &dir,
        "c.csv",
        "customer_id,signup_date,region,age_band,gender,preferred_channel\nC1,2025-01-01,\"north, upper\",25-34,f,email\nC2,2025-02-01 12:30:00,south,35-44,,sms\n",
    );
    let a = load_table(&src, &Mapping::default()).unwrap();
    let out = write(&dir, "again.csv", &to_csv(&a));
    let b = load_table(&out, &Mapping::default()).unwrap();
    assert_eq!(a.columns, b.columns);
    assert!(matches!(&a.column("signup_date").unwrap().values, Values::Time(v) if v[1].is_some()));
}

#[test]
fn hillstrom_loads_as_a_flat_campaign_table() {
    let Some(path) = common::hillstrom() else {
        return;
    };
    let t = load_table(&path, &Mapping::default()).unwrap();
    assert_eq!(t.kind, TableKind::FlatCampaign);
    assert_eq!(t.n_rows(), 64_000);
    let treatment = t.text("treatment").unwrap();
    assert_eq!(
        treatment
            .iter()
            .filter(|v| v.as_deref() == Some("No E-Mail"))
            .count(),
        21_306
    );
    assert!(t.float("spend").is_some() && t.float("history").is_some());
    assert!(t.bad_cells.is_empty());
}
