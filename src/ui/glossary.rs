//! Plain-language explanations of every figure the screens show, in one place so the same word
//! always means the same thing. Shown as hover tooltips.

pub const INCREMENTAL: &str = "Incremental: what happens because of the offer, over what the same customers would have done without it (estimated from the randomized control group the model learned from). Purchases that would have happened anyway are not counted as gain.";
pub const ROI: &str = "ROI: incremental profit per unit of promotion spend (redemption cost plus send cost). 0.5 means every 1 spent brings 0.50 of extra profit on top of getting it back.";
pub const INTERVAL: &str = "5-95%: the range in which the outcome falls 9 times out of 10, from Monte Carlo over customers' random purchases, over the model's bootstrap members (its own uncertainty), and over the model's error measured against the past campaign's control group.";
pub const SWEEP_BANDS: &str = "Each line is the scenario re-simulated at that offer value; the shaded band around it is its 5-95% range (see 5-95%). The conversion band covers the offer's effect (customers who would buy anyway are taken as known); the ROI band is the profit's range over the expected spend.";
pub const MODEL_CHECK: &str = "Model check: the past campaign's held-out customers, per offer split in thirds by predicted uplift, compare the uplift the model predicts with the uplift observed (treated minus control buying rate), among the customers the campaign reached through their preferred channel, as plans send. The same is done for buying without an offer, on the control customers. A factor above 1 means the model understates the incremental buyers. It counts buyers, not money: a model can understate the buyers an offer wins and overstate what they spend, so read it with the profit check below. How far the factor is from 1, and how precisely the control group measures it, widen the 5-95% ranges.";
pub const PROFIT_CHECK: &str = "Profit check: the same held-out customers, per offer the past campaign made: the incremental profit and revenue per customer the model predicts for the offer (sending cost left out) next to the treated customers' mean minus the control customers' mean of what they really brought. Profit counts the margin on the basket at list price less the discount or gift, so buyers who would have bought anyway cost money. All offers share one control group: when it happens to buy little, every offer looks better than it is. The factor that widens the ranges comes from the model check on buying, which these customers measure more precisely.";
pub const PLAN_CHECK: &str = "Plan check: the past campaign gave its offers, or nothing, at random. Among the held-out customers this plan sends an offer to, those who happened to get that offer are compared with those who got nothing: the difference in buying rate is what the offer really did to them, next to what the model expects. The same comparison over the customers the plan does not send it to shows whether the plan picked the right ones. The same goes for profit, where the campaign recorded what buyers paid: the margin on what they bought less the discount or gift, per customer, before sending costs (the plan's channels are not the campaign's). An offer whose expected profit is above the observed one by more than two standard errors is flagged: the model is optimistic about the customers it picked for that offer. All offers share one control group, so its luck moves every offer the same way. The campaign used its own channels; offers it never made cannot be checked.";
pub const CHANNEL_CHECK: &str = "Channel check: in the past campaign, the treated customers reached through their preferred channel are compared with the control group, and so are those reached through another channel. When the campaign picked channels at random, the difference is what the channel does. The model learned from the campaign as a whole, so for a plan that uses everyone's preferred channel it may understate the uplift when the preferred channel works better.";
pub const SPEND: &str = "Spend: discounts and gifts paid to every buyer who uses them (including those who would have bought anyway) plus the cost of sending the messages.";
pub const TARGETED: &str = "Customers who get the offer.";
pub const UPLIFT: &str = "Uplift: how much the offer raises this customer's chance to buy, in percentage points (0.05 = five more buyers per hundred customers), compared with sending nothing.";
pub const EXPECTED_PROFIT: &str = "Expected incremental profit: extra margin from purchases the offer causes, minus the expected discount and sending cost.";
pub const COST: &str = "Expected cost: the discount or gift if the customer redeems it, times the chance of redeeming, plus the send cost.";

pub const AUC: &str = "AUC: how well the model ranks buyers above non-buyers. 0.5 is a coin toss, 1.0 is perfect; 0.7 means a random buyer is ranked above a random non-buyer 70% of the time.";
pub const LOG_LOSS: &str = "Log loss: how far the predicted probabilities are from what happened (lower is better). It punishes confident wrong predictions hardest.";
pub const ECE: &str = "ECE (calibration error): the average gap between the predicted chance to buy and the share that really bought, over groups of similar predictions. 0.01 means predictions are off by about one point.";
pub const ROC: &str = "ROC curve: the share of buyers found (up) against the share of non-buyers wrongly flagged (right) as the cut-off is lowered. The higher above the diagonal, the better.";
pub const CALIBRATION: &str = "Calibration: customers grouped by predicted chance to buy; each point compares the prediction with the share that really bought. Points on the diagonal mean the probabilities can be taken at face value.";
pub const QINI: &str = "Qini: extra buyers gained by sending the offer to customers in the model's order, beyond picking them at random (0 = no better than random). The curve shows it for every share targeted, as extra buyers per customer in the test group.";
pub const AUUC: &str = "AUUC: area under the cumulative uplift curve. Compare it with the random-targeting value beside it: higher means the model puts the persuadable customers first.";
pub const UPLIFT_AT: &str = "Uplift at 10% / 30%: among the 10% (30%) of customers the model rates most persuadable, how much more often treated customers bought than control customers.";
pub const PEHE: &str = "PEHE: the typical error of the predicted uplift against the true uplift the sample generator planted (sample data only). Lower is better.";
pub const TRUTH_CORRELATION: &str = "Correlation with the truth: how well the predicted uplift follows the true uplift customer by customer (1 = perfectly, 0 = not at all). Sample data only.";
pub const DECILES: &str = "Uplift by decile: customers split into ten equal groups by predicted uplift, most persuadable first. Bars are the observed uplift (treated minus control buying rate) in each group, dots the model's prediction. A good model's bars fall from left to right.";
pub const SCENARIO_DECILES: &str = "Uplift by decile: the eligible customers in ten equal groups, in the order the scenario picks them (by profit, uplift or propensity). Bars are the model's predicted uplift of this offer with its 5-95% range (the bootstrap models, the model's error measured against the control group, and chance), dots the true uplift (sample data only); the line marks how far down the list the offer goes.";
pub const IMPORTANCE: &str = "Feature importance: each feature's values are shuffled among the test customers and the model asked again. The more its predictions change (uplift models) or worsen (log loss), the more the model relies on that feature.";
pub const CUSTOMER_SPREAD: &str = "In brackets: the lowest and highest of the same figure by each bootstrap model (the planning model is several models trained on resamples of the campaign). Their disagreement is part of the model's uncertainty about one customer; the model's error measured against the control group comes on top, so read one customer's figures as rough.";
pub const ELASTICITY: &str = "Price elasticity of conversion: the % change in the chance to buy for a 1% change in price. -2 means a 10% discount raises buying by about 20%.";
pub const LOSS: &str = "Loss per epoch: the training error (should fall) and the error on held-out validation customers (training stops early when it stops improving).";

pub const FRONTIER: &str = "Efficient frontier: the best incremental profit any plan can reach for each budget. Where it flattens, more budget buys little.";
pub const DUALITY_GAP: &str = "The upper bound is what no plan within the budget can beat; the gap is how far this plan could at most be from the best one.";

pub const SEGMENT_SIZE: &str = "Customers in the segment and their share of all customers.";
pub const REVENUE_SHARE: &str =
    "Share of all revenue in the last 365 days that came from this segment's customers.";
pub const RECENCY: &str = "Recency: days since the customer's last purchase.";
pub const FREQUENCY: &str = "Frequency: orders in the last 365 days.";
pub const MONETARY: &str = "Monetary: revenue from the customer in the last 365 days.";

/// A bold column header that explains itself on hover.
pub fn header(ui: &mut egui::Ui, text: &str, tip: &str) {
    if tip.is_empty() {
        ui.strong(text);
    } else {
        ui.strong(text).on_hover_text(tip);
    }
}

/// A "name  value" pair in a two-column grid, both halves explained on hover.
pub fn row(ui: &mut egui::Ui, name: &str, value: String, tip: &str) {
    ui.label(name).on_hover_text(tip);
    ui.label(value).on_hover_text(tip);
    ui.end_row();
}
pub const OFFERS: &str = "The optimizer gives each customer the one offer with the best expected incremental profit (or revenue) per unit of budget, or nothing, until the budget is spent. Offers the past campaign made are checked against its control group; others are the model's extrapolation.";
pub const REDEMPTION_CAP: &str = "At most this many expected redemptions of the offer (for example the coupons printed or the stock of a gift). The optimizer then gives the offer to the customers it does the most for.";
pub const STOCK: &str = "Units of the offer in stock (a gift, a bundle): each redemption uses one. The optimizer never plans more expected redemptions than the stock.";
pub const CHANNEL_CAP: &str = "At most this many messages through the channel (an SMS allowance, say), counting every offer sent through it, the customers' preferred channel included.";
pub const OBJECTIVE: &str = "What the optimizer maximizes within the budget: incremental profit (extra margin minus the discounts paid and the sending costs) or incremental revenue (extra sales, whatever they cost). Both count only purchases that would not have happened without the offer.";
pub const BEST_PRICE: &str = "Best price per segment: for each segment, the price index (1 = list price, 0.9 = 10% below it, 1.1 = 10% above) with the most expected incremental profit against selling at list price, from the model's price response; with a stock limit, indices that would sell more than the stock are left out. Price elasticity: how much the chance to buy changes, in percent, for one percent on the price at list price, averaged over the segment's customers (the measure the Models screen checks against the truth on sample data).";
pub const CONTROL_SHARE: &str = "Control group: a random share of the customers an offer would reach is held back. They are sent nothing, cost nothing and gain nothing here; after the campaign, their purchases against those of the customers sent the offer measure its real uplift. The optimizer exports them beside the plan (its .control.csv), each with the offer it holds them back from.";
pub const FREQUENCY_CAP: &str = "Frequency cap: customers sent a campaign message within this many days (counted to the latest date in the data) get nothing now. Customers held back as a past control group were sent nothing and stay eligible. Needs a campaign history table.";
pub const OFFERS_TARGETING: &str = "The optimizer chooses only among these customers: a control group held back to measure the plan, a frequency cap, conditions on profile features and segments. Saved in the offers file (its \"targeting\").";
pub const MEASURE: &str = "After the campaign: for each offer, the share of the customers sent it who bought, against the share of those held back from it (chosen by the same rule, then held back at random). The difference is the offer's real uplift; ± is one standard error. Needs the plan's control file (export a plan that holds back a control group) and the campaign's results as a campaign history table.";
