// Charts through Chart.js (canvas) and react-chartjs-2: only the parts used are registered, so the bundle keeps
// only them. Each chart has its data as a table too (for screen readers, and to check totals against).
import { BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from "chart.js";
import { Bar } from "react-chartjs-2";

ChartJS.register(CategoryScale, LinearScale, BarElement, Tooltip, Legend);

export interface Series {
  labels: string[];
  /** Dollars, for drawing only. */
  values: number[];
  label: string;
}

export function BarChart(props: { series: Series; horizontal?: boolean; height?: number; name: string }) {
  const { series } = props;
  return (
    <div className="chart" style={{ height: props.height ?? 280 }} data-chart={props.name}>
      <Bar
        aria-label={`${series.label} chart`}
        role="img"
        data={{
          labels: series.labels,
          datasets: [{ label: series.label, data: series.values, backgroundColor: "#3867d6", borderRadius: 3 }],
        }}
        options={{
          indexAxis: props.horizontal === true ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (item) => `$${Number(item.raw).toFixed(2)}` } },
          },
          scales: {
            [props.horizontal === true ? "x" : "y"]: { beginAtZero: true, ticks: { callback: (v) => `$${v}` } },
          },
        }}
      />
    </div>
  );
}
