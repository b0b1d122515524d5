//! The tick-to-order pipeline: the model must match the indicators' features, the decision
//! is the thresholded prediction on the current features, the order crosses the spread.

use venue_engine::{ClientOrderId, Event, EventKind, OrderType, ParticipantId, Qty, Side, Tif, Ts};
use venue_strategy::{
    Decision, IndicatorConfig, Indicators, SignalPipeline, StrategyError, TreeEnsemble,
    NUM_FEATURES,
};

/// A one-tree model on `names`: feature 2 (queue imbalance) < 0 ? -1 : +1.
fn model(names: &[String]) -> TreeEnsemble {
    let names: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    TreeEnsemble::from_json(&format!(
        r#"{{"learner": {{"feature_names": [{}],
        "learner_model_param": {{"base_score": "0", "num_feature": "{}"}},
        "objective": {{"name": "reg:squarederror"}},
        "gradient_booster": {{"name": "gbtree", "model": {{"trees": [{{
          "left_children": [1, -1, -1], "right_children": [2, -1, -1],
          "split_indices": [2, 0, 0], "split_conditions": [0.0, -1.0, 1.0],
          "default_left": [0, 0, 0]}}]}}}}}}}}"#,
        names.join(","),
        names.len()
    ))
    .unwrap()
}

fn add(ts: i64, id: u64, side: u8, price: i64, qty: i64) -> Event {
    Event {
        ts,
        order_id: id,
        side,
        price,
        qty,
        kind: EventKind::BookAdd as u8,
        ..Event::default()
    }
}

#[test]
fn decisions_follow_the_model_and_orders_cross() {
    let cfg = IndicatorConfig::default();
    let m = model(&cfg.feature_names());
    let mut pipe =
        SignalPipeline::new(Indicators::new(cfg).unwrap(), m.clone(), 0.5, -0.5).unwrap();
    // nothing on the book yet: no step, no decision
    assert_eq!(pipe.on_events(&[]), Decision::Hold);
    // more bid than ask: imbalance > 0, the model says +1: buy at the ask
    let d = pipe.on_events(&[add(1, 1, 0, 100, 9), add(1, 2, 1, 102, 3)]);
    assert_eq!(d, Decision::Buy);
    assert_eq!(pipe.prediction(), m.predict(pipe.features()).unwrap());
    let o = pipe
        .order(d, Ts(5), ParticipantId(3), ClientOrderId(77), Qty(2))
        .unwrap();
    assert_eq!(
        (o.side, o.price, o.qty, o.tif),
        (Side::Buy as u8, 102, 2, Tif::Ioc as u8)
    );
    assert_eq!(
        (o.order_type, o.participant, o.client_order_id, o.ts),
        (OrderType::Limit as u8, 3, 77, 5)
    );
    // more ask now: sell at the bid
    let d = pipe.on_events(&[add(2, 3, 1, 102, 20)]);
    assert_eq!(d, Decision::Sell);
    assert_eq!(
        pipe.order(d, Ts(6), ParticipantId(3), ClientOrderId(78), Qty(1))
            .unwrap()
            .price,
        100
    );
    assert!(pipe
        .order(
            Decision::Hold,
            Ts(6),
            ParticipantId(3),
            ClientOrderId(79),
            Qty(1)
        )
        .is_none());
    assert_eq!(pipe.features().len(), NUM_FEATURES);
}

#[test]
fn a_model_for_other_features_is_refused() {
    let trained_with = IndicatorConfig {
        trade_window: 50,
        ..IndicatorConfig::default()
    };
    let m = model(&trained_with.feature_names());
    let err = SignalPipeline::new(
        Indicators::new(IndicatorConfig::default()).unwrap(),
        m,
        0.1,
        -0.1,
    )
    .unwrap_err();
    assert!(matches!(err, StrategyError::FeatureMismatch(_)));
    let text = err.to_string();
    assert!(
        text.contains("not provided: trade_imbalance_50, vwap_offset_50"),
        "{text}"
    );
    let cfg = IndicatorConfig::default();
    let m = model(&cfg.feature_names());
    assert!(matches!(
        SignalPipeline::new(Indicators::new(cfg).unwrap(), m, -1.0, 1.0),
        Err(StrategyError::Config(_))
    ));
}
