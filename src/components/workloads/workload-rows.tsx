"use client";

import { useTranslations } from "next-intl";
import { Checkbox } from "~/components/ui/checkbox";
import { CodeInput } from "~/components/ui/code-input";
import { Input } from "~/components/ui/input";
import { ChoiceSelect } from "~/components/ui/select";
import { DATA_DIR_TOKEN, describeDataLocation, VOLUME_SCOPES, type WorkloadView } from "./options";
import { RemoveButton, RowEditor, RowField } from "./row-editor";
import type { EnvRow, PortRow, RowList, VolumeRow } from "./use-workload-form";

const PROTOCOLS: readonly PortRow["protocol"][] = ["tcp", "udp"];

export function EnvEditor({ list, error }: { list: RowList<EnvRow>; error?: string }) {
  const t = useTranslations("workloadForm");
  return (
    <RowEditor
      texts={{ title: t("env.title"), description: t("env.description"), add: t("env.add"), empty: t("env.empty") }}
      list={list}
      error={error}
      className="flex flex-col gap-3"
      note={list.rows.some((r) => r.secret) ? <p className="text-xs text-muted-foreground">{t("env.secretHint")}</p> : null}
    >
      {(row, i) => (
        <fieldset className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)_auto_auto]">
          <legend className="sr-only">{t("env.legend", { n: i + 1 })}</legend>
          <RowField id={`env-${i}-key`} label={t("env.key")}>
            <CodeInput id={`env-${i}-key`} value={row.key} onChange={(e) => list.change(row.uid, { key: e.target.value })} />
          </RowField>
          <RowField id={`env-${i}-value`} label={t("env.value")}>
            <CodeInput
              id={`env-${i}-value`}
              type={row.secret ? "password" : "text"}
              autoComplete={row.secret ? "new-password" : "off"}
              value={row.value}
              onChange={(e) => list.change(row.uid, { value: e.target.value })}
            />
          </RowField>
          <Checkbox
            label={t("env.secret")}
            labelClassName="h-9"
            checked={row.secret}
            onChange={(e) => list.change(row.uid, { secret: e.target.checked })}
          />
          <RemoveButton label={t("env.remove", { n: i + 1 })} onClick={() => list.remove(row.uid)} />
        </fieldset>
      )}
    </RowEditor>
  );
}

export function PortsEditor({ list, error }: { list: RowList<PortRow>; error?: string }) {
  const t = useTranslations("workloadForm");
  const portInput = (row: PortRow, id: string, field: "hostPort" | "containerPort") => (
    <Input
      id={id}
      type="number"
      inputMode="numeric"
      required
      min={1}
      max={65535}
      value={row[field]}
      onChange={(e) => list.change(row.uid, { [field]: e.target.value })}
    />
  );
  return (
    <RowEditor
      texts={{ title: t("ports.title"), description: t("ports.description"), add: t("ports.add"), empty: t("ports.empty") }}
      list={list}
      error={error}
      className="flex flex-col gap-3"
    >
      {(row, i) => (
        <fieldset className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[10rem_10rem_8rem_auto]">
          <legend className="sr-only">{t("ports.legend", { n: i + 1 })}</legend>
          <RowField id={`port-${i}-host`} label={t("ports.hostPort")}>
            {portInput(row, `port-${i}-host`, "hostPort")}
          </RowField>
          <RowField id={`port-${i}-container`} label={t("ports.containerPort")}>
            {portInput(row, `port-${i}-container`, "containerPort")}
          </RowField>
          <RowField id={`port-${i}-protocol`} label={t("ports.protocol")}>
            <ChoiceSelect
              id={`port-${i}-protocol`}
              value={row.protocol}
              values={PROTOCOLS}
              label={(protocol) => protocol.toUpperCase()}
              onValueChange={(protocol) => list.change(row.uid, { protocol })}
            />
          </RowField>
          <RemoveButton label={t("ports.remove", { n: i + 1 })} onClick={() => list.remove(row.uid)} />
        </fieldset>
      )}
    </RowEditor>
  );
}

export function VolumesEditor({
  list,
  slugs,
  saved,
  error,
}: {
  list: RowList<VolumeRow>;
  slugs: { project?: string; stage?: string };
  saved: WorkloadView["volumePreview"];
  error?: string;
}) {
  const t = useTranslations("workloadForm");
  const tw = useTranslations("workloads");
  return (
    <RowEditor
      texts={{ title: t("volumes.title"), description: t("volumes.description"), add: t("volumes.add"), empty: t("volumes.empty") }}
      list={list}
      error={error}
      className="flex flex-col gap-4"
      note={
        list.rows.some((r) => r.scope === "project" || r.scope === "stage") ? (
          <p className="text-xs text-muted-foreground">{t("volumes.previewHint", { token: DATA_DIR_TOKEN })}</p>
        ) : null
      }
    >
      {(row, i) => {
        const savedPath = saved.find(
          (s) => s.target === row.target.trim() && s.scope === row.scope && s.source === row.source.trim(),
        )?.hostPath;
        const previewId = `volume-${i}-preview`;
        return (
          <fieldset className="rounded-md border border-border p-3">
            <legend className="px-1 text-sm font-medium">{t("volumes.legend", { n: i + 1 })}</legend>
            <div className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[minmax(0,1fr)_12rem_minmax(0,1fr)_auto_auto]">
              <RowField id={`volume-${i}-target`} label={t("volumes.target")}>
                <CodeInput
                  id={`volume-${i}-target`}
                  required
                  placeholder="/var/lib/app"
                  value={row.target}
                  onChange={(e) => list.change(row.uid, { target: e.target.value })}
                />
              </RowField>
              <RowField id={`volume-${i}-scope`} label={t("volumes.scope")}>
                <ChoiceSelect
                  id={`volume-${i}-scope`}
                  value={row.scope}
                  values={VOLUME_SCOPES}
                  label={(scope) => tw(`scopes.${scope}`)}
                  onValueChange={(scope) => list.change(row.uid, { scope })}
                />
              </RowField>
              <RowField
                id={`volume-${i}-source`}
                label={
                  row.scope === "named"
                    ? t("volumes.sourceNamed")
                    : row.scope === "absolute"
                      ? t("volumes.sourceAbsolute")
                      : t("volumes.source")
                }
              >
                <CodeInput
                  id={`volume-${i}-source`}
                  required
                  placeholder={row.scope === "absolute" ? "/srv/app" : "app"}
                  aria-describedby={previewId}
                  value={row.source}
                  onChange={(e) => list.change(row.uid, { source: e.target.value })}
                />
              </RowField>
              <Checkbox
                label={t("volumes.readOnly")}
                labelClassName="h-9"
                checked={row.readOnly}
                onChange={(e) => list.change(row.uid, { readOnly: e.target.checked })}
              />
              <RemoveButton label={t("volumes.remove", { n: i + 1 })} onClick={() => list.remove(row.uid)} />
            </div>
            <VolumePreview id={previewId} row={row} location={describeDataLocation(row, slugs)} savedPath={savedPath} />
          </fieldset>
        );
      }}
    </RowEditor>
  );
}

/** Where a volume's data will live on the host, as far as the form can tell before saving. */
function VolumePreview({
  id,
  row,
  location,
  savedPath,
}: {
  id: string;
  row: VolumeRow;
  location: string | null;
  savedPath?: string | null;
}) {
  const t = useTranslations("workloadForm");
  const tw = useTranslations("workloads");
  const line = (label: string, value: string) => (
    <p className="break-all">
      <span className="font-medium">{label}</span> <code className="font-mono">{value}</code>
    </p>
  );
  return (
    <div id={id} className="mt-3 flex flex-col gap-1 rounded-md bg-muted px-3 py-2 text-xs">
      <p className="text-muted-foreground">{tw(`scopeHints.${row.scope}`)}</p>
      {location
        ? line(t("volumes.willLive"), location)
        : line(row.scope === "named" ? t("volumes.namedLocation") : t("volumes.absoluteLocation"), row.source || "<source>")}
      {savedPath ? line(t("volumes.savedHostPath"), savedPath) : null}
    </div>
  );
}
