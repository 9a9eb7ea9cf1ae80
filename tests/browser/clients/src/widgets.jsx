// Reference widgets of the descriptor's widget contract (`options.yiwang`), for rjsf and JSON Forms.
import React, { useEffect, useState } from "react";
import { withJsonFormsControlProps } from "@jsonforms/react";
import { rankWith } from "@jsonforms/core";
import { yuan, fenFromYuan } from "./contract.js";

const contractOf = (uiSchema) => (uiSchema && uiSchema["ui:options"] && uiSchema["ui:options"].yiwang) || {};

function Label({ id, label, required }) {
  return (
    <label htmlFor={id} className="yiwang-label">
      {label}
      {required ? <span className="required">*</span> : null}
    </label>
  );
}

function Errors({ id, errors }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div className="yiwang-errors" id={`${id}__yiwang_error`}>
      {errors.map((e, i) => (
        <span key={i}>{e}</span>
      ))}
    </div>
  );
}

export function FileInput({ id, label, required, contract, value, onChange, errors, chrome }) {
  const files = contract.multiple ? (Array.isArray(value) ? value.filter((f) => f && f.key) : []) : value && value.key ? [value] : [];
  const [busy, setBusy] = useState(false);
  async function upload(event) {
    const chosen = [...event.target.files];
    setBusy(true);
    try {
      const uploaded = [];
      for (const file of chosen) {
        const answer = await fetch(contract.upload, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: file.name, size: file.size, content_type: file.type }),
        }).then((r) => r.json());
        uploaded.push(answer.attachment || answer);
      }
      onChange(contract.multiple ? [...files, ...uploaded] : uploaded[0]);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="yiwang-file" data-widget="yiwang-file">
      <Label id={id} label={label} required={required} />
      <input id={id} type="file" multiple={!!contract.multiple} accept={(contract.accept || []).join(",")} onChange={upload} disabled={busy} />
      {files.length === 0 ? <p className="no-file">{chrome.no_file}</p> : (
        <ul>{files.map((f) => <li key={f.key}>{f.name}</li>)}</ul>
      )}
      <Errors id={id} errors={errors} />
    </div>
  );
}

export function Picker({ id, label, required, contract, value, onChange, errors, chrome }) {
  const [options, setOptions] = useState((window.yiwangOptions || {})[contract.options] || null);
  useEffect(() => {
    if (options !== null) return;
    fetch(contract.options).then((r) => r.json()).then((a) => setOptions(a.options || []), () => setOptions([]));
  }, [contract.options]);
  const list = options || [];
  const known = value === undefined || list.some((o) => o.value === value);
  return (
    <div className="yiwang-picker" data-widget="yiwang-picker">
      <Label id={id} label={label} required={required} />
      <select id={id} value={value === undefined ? "" : value} onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}>
        <option value="">{chrome.choose}</option>
        {known ? null : <option value={value}>{value}</option>}
        {list.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      <Errors id={id} errors={errors} />
    </div>
  );
}

export function Money({ id, label, required, value, onChange, errors, chrome }) {
  const [text, setText] = useState(yuan(value));
  useEffect(() => {
    if (fenFromYuan(text) !== value) setText(yuan(value));
  }, [value]);
  return (
    <div className="yiwang-money" data-widget="yiwang-money">
      <Label id={id} label={`${label}（${chrome.yuan}）`} required={required} />
      <input id={id} type="text" inputMode="decimal" value={text} onChange={(e) => { setText(e.target.value); onChange(fenFromYuan(e.target.value)); }} />
      <span className="unit">{chrome.yuan}</span>
      <Errors id={id} errors={errors} />
    </div>
  );
}

const BY_NAME = { "yiwang-file": FileInput, "yiwang-picker": Picker, "yiwang-money": Money };

// rjsf: custom fields named by `ui:field`
function rjsfField(Component) {
  return function Field(props) {
    const id = (props.fieldPathId && props.fieldPathId.$id) || (props.idSchema && props.idSchema.$id);
    const path = (props.fieldPathId && props.fieldPathId.path) || [];
    const chrome = props.registry.formContext.chrome;
    return (
      <Component
        id={id}
        label={props.schema.title || props.name}
        required={props.required}
        contract={contractOf(props.uiSchema)}
        value={props.formData}
        onChange={(v) => props.onChange(v, path)}
        errors={null}
        chrome={chrome}
      />
    );
  };
}
export const RJSF_FIELDS = Object.fromEntries(Object.entries(BY_NAME).map(([k, C]) => [k, rjsfField(C)]));

// JSON Forms: renderers whose tester reads `options.yiwang.widget`
export function jsonformsRenderers(chrome) {
  return Object.entries(BY_NAME).map(([name, Component]) => ({
    tester: rankWith(20, (uischema) => !!(uischema && uischema.options && uischema.options.yiwang && uischema.options.yiwang.widget === name)),
    renderer: withJsonFormsControlProps(function Control(props) {
      if (!props.visible) return null;
      return (
        <div className="control">
          <Component
            id={props.id}
            label={props.label}
            required={props.required}
            contract={props.uischema.options.yiwang}
            value={props.data}
            onChange={(v) => props.handleChange(props.path, v)}
            errors={props.errors ? props.errors.split("\n").filter(Boolean) : []}
            chrome={chrome}
          />
        </div>
      );
    }),
  }));
}
