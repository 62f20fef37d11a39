import { useState } from "react";
import { ModelsDocument, PricesDocument, TokenPricesDocument } from "../../api/client";
import { useQuery } from "../../app/hooks";
import { ErrorNote, label, Loading, Usd, When } from "../../components/ui";
import { PriceForm, TokenPriceForm } from "./PriceForms";

/** Where a price row stands now: a scheduled change shows on the row in force as its end, and as its own row. */
function stateOf(row: { effectiveFrom: string; effectiveTo?: string | null }, now: number): string {
  if (Date.parse(row.effectiveFrom) > now) return "scheduled";
  if (row.effectiveTo !== null && row.effectiveTo !== undefined && Date.parse(row.effectiveTo) <= now) return "past";
  return "in force";
}

// The prices in force now, or with the toggle every row (prices(includeHistory)): past, in force and scheduled.
export function PricesPage() {
  const [history, setHistory] = useState(false);
  const prices = useQuery(PricesDocument, { includeHistory: history });
  const tokenPrices = useQuery(TokenPricesDocument, { includeHistory: history });
  const reload = () => {
    prices.reload();
    tokenPrices.reload();
  };
  const models = useQuery(ModelsDocument);
  const [model, setModel] = useState("");
  const names = (models.data?.models ?? []).map((m) => m.model);
  // Rows only for the toggle's own answer: never the prices in force under the heading of the history.
  const perImage = prices.current
    ? (prices.data?.prices ?? []).filter((price) => model === "" || price.model === model)
    : [];
  const perToken = tokenPrices.current ? (tokenPrices.data?.tokenPrices ?? []) : [];
  const now = Date.now();
  return (
    <>
      <ErrorNote error={prices.error ?? tokenPrices.error} />
      <Loading when={prices.loading || tokenPrices.loading} />
      <div className="row">
        <PriceForm models={names} onDone={reload} />
        <TokenPriceForm models={names} onDone={reload} />
      </div>
      <label className="check">
        <input
          type="checkbox"
          name="includeHistory"
          checked={history}
          onChange={(event) => setHistory(event.target.checked)}
        />{" "}
        Show past and scheduled prices, not only those in force
      </label>
      <section className="card">
        <div className="card-head">
          <h2>Per-image prices</h2>
          <select aria-label="Model filter" value={model} onChange={(e) => setModel(e.target.value)}>
            <option value="">every model</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {label(name)}
              </option>
            ))}
          </select>
        </div>
        <table data-testid="prices-table" data-history={String(history)} data-current={String(prices.current)}>
          <thead>
            <tr>
              <th>Model</th>
              <th>Size</th>
              <th>Quality</th>
              <th>Per image</th>
              <th>From</th>
              <th>Until</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {perImage.map((price) => (
              <tr
                key={`${price.model}-${price.size}-${price.quality}-${price.effectiveFrom}`}
                data-from={price.effectiveFrom}
                data-state={stateOf(price, now)}
              >
                <td>{label(price.model)}</td>
                <td>{label(price.size).replace("SIZE ", "")}</td>
                <td>{label(price.quality)}</td>
                <td data-money={price.perImage}>
                  <Usd value={price.perImage} />
                </td>
                <td>
                  <When value={price.effectiveFrom} />
                </td>
                <td>
                  <When value={price.effectiveTo} />
                </td>
                <td>{stateOf(price, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Token prices (USD per million tokens)</h2>
        <table data-testid="token-prices-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Text in</th>
              <th>Cached text in</th>
              <th>Image in</th>
              <th>Cached image in</th>
              <th>Image out</th>
              <th>From</th>
              <th>Until</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {perToken.map((price) => (
              <tr key={`${price.model}-${price.effectiveFrom}`} data-from={price.effectiveFrom}>
                <td>{label(price.model)}</td>
                <td>${price.textInputPerMillion}</td>
                <td>{price.cachedTextInputPerMillion ?? "—"}</td>
                <td>${price.imageInputPerMillion}</td>
                <td>{price.cachedImageInputPerMillion ?? "—"}</td>
                <td>${price.imageOutputPerMillion}</td>
                <td>
                  <When value={price.effectiveFrom} />
                </td>
                <td>
                  <When value={price.effectiveTo} />
                </td>
                <td>{stateOf(price, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
