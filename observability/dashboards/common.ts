/**
 * Shared pieces of synthctl's Grafana dashboards: the Prometheus datasource variable, the
 * location/monitor variables, label selectors, and a layout that gives every panel a unique id
 * and a grid position (the foundation SDK leaves ids unset).
 */
/* eslint-disable @typescript-eslint/no-deprecated -- the SDK deprecates the v1 dashboard model for v2,
   but v1 JSON (schemaVersion 42) is what file provisioning and the Grafana sidecar load everywhere. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and variable queries the Prometheus picked in the `datasource` variable. */
export const DATASOURCE: { type: string; uid: string } = { type: 'prometheus', uid: '${datasource}' };

/** Monitor types with a dashboard of their own. */
export type MonitorType = 'http' | 'tcp' | 'icmp' | 'browser';

/**
 * Label matchers of per-monitor series: synthctl's series only (blackbox_exporter's own
 * `probe_*` have no monitor_id), filtered by the dashboard's variables.
 */
export function monitorSelector(type?: MonitorType, extra = ''): string {
  const typeMatcher = type === undefined ? '' : `, monitor_type="${type}"`;
  return `monitor_id!=""${typeMatcher}, location=~"$location", monitor_name=~"$monitor"${extra === '' ? '' : `, ${extra}`}`;
}

/** The datasource, location and monitor variables (monitors narrowed to `type` and the locations). */
export function monitorVariables(type?: MonitorType): cog.Builder<dashboard.VariableModel>[] {
  const typeMatcher = type === undefined ? '' : `, monitor_type="${type}"`;
  const location = `label_values(probe_success{monitor_id!=""${typeMatcher}}, location)`;
  const monitor = `label_values(probe_success{monitor_id!=""${typeMatcher}, location=~"$location"}, monitor_name)`;
  return [
    datasourceVariable(),
    new dashboard.QueryVariableBuilder('location')
      .label('Location')
      .datasource(DATASOURCE)
      .query(location)
      .definition(location)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ text: 'All', value: '$__all' }),
    new dashboard.QueryVariableBuilder('monitor')
      .label('Monitor')
      .datasource(DATASOURCE)
      .query(monitor)
      .definition(monitor)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalCaseInsensitiveAsc)
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ text: 'All', value: '$__all' }),
  ];
}

/** The Prometheus datasource picker. */
export function datasourceVariable(): cog.Builder<dashboard.VariableModel> {
  return new dashboard.DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .current({ text: 'default', value: 'default' });
}

/** A range query with a legend; refIds are assigned by {@link Layout}. */
export function query(expr: string, legend = '__auto'): DataqueryBuilder {
  return new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend).range();
}

/** An instant query rendered as a table row per series. */
export function tableQuery(expr: string): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(DATASOURCE)
    .expr(expr)
    .instant()
    .format(PromQueryFormat.Table)
    .legendFormat('__auto');
}

/** The builder methods {@link Layout} needs from any panel builder. */
export interface PlaceablePanel extends cog.Builder<dashboard.Panel> {
  id(id: number): this;
  gridPos(gridPos: dashboard.GridPos): this;
  datasource(datasource: { type?: string; uid?: string }): this;
  targets(targets: cog.Builder<cog.Dataquery>[]): this;
}

/**
 * Places panels left to right in rows of 24 grid units, numbering ids and query refIds, so the
 * generated JSON is stable and ids are unique.
 */
export class Layout {
  readonly #dashboard: dashboard.DashboardBuilder;
  #id = 1;
  #x = 0;
  #y = 0;
  #rowHeight = 0;

  constructor(builder: dashboard.DashboardBuilder) {
    this.#dashboard = builder;
  }

  /** Starts a new row with a title. */
  row(title: string): this {
    this.#newLine();
    this.#dashboard.withRow(
      new dashboard.RowBuilder(title).id(this.#id++).gridPos({ x: 0, y: this.#y, w: 24, h: 1 }),
    );
    this.#y += 1;
    return this;
  }

  /** Adds a panel `w` units wide and `h` high with its queries. */
  add(panel: PlaceablePanel, queries: DataqueryBuilder[], w: number, h: number): this {
    if (this.#x + w > 24) this.#newLine();
    queries.forEach((q, i) => q.refId(String.fromCharCode(65 + i)));
    panel.id(this.#id++).datasource(DATASOURCE).targets(queries).gridPos({ x: this.#x, y: this.#y, w, h });
    this.#dashboard.withPanel(panel);
    this.#x += w;
    this.#rowHeight = Math.max(this.#rowHeight, h);
    return this;
  }

  #newLine(): void {
    this.#y += this.#rowHeight;
    this.#x = 0;
    this.#rowHeight = 0;
  }
}

/** A dashboard with synthctl's common settings. */
export function baseDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['synthctl', 'synthetic-monitoring'])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .link(
      new dashboard.DashboardLinkBuilder('synthctl')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['synthctl'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

/** Thresholds: red below `bad`, orange below `ok`, green above (for availability-like values). */
export function ascendingThresholds(bad: number, ok: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: bad, color: 'orange' },
    { value: ok, color: 'green' },
  ]);
}

/** Thresholds: green below `warn`, orange below `bad`, red above (for latency-like values). */
export function descendingThresholds(warn: number, bad: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value: warn, color: 'orange' },
    { value: bad, color: 'red' },
  ]);
}

/** A single-number panel (last value). */
export function statPanel(title: string, description: string, unit: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
}

/** A time series panel with a table legend (last and max values). */
export function timeseriesPanel(title: string, description: string, unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(['lastNotNull', 'max']),
    );
}

/** A stacked time series panel (phases that add up to a total). */
export function stackedPanel(title: string, description: string, unit: string): timeseries.PanelBuilder {
  return timeseriesPanel(title, description, unit)
    .fillOpacity(40)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
}

/** A table of instant values, one row per series. */
export function tablePanel(title: string, description: string, unit: string): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .showHeader(true)
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, __name__: true } } });
}
