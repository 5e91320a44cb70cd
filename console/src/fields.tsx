// A labelled input with its hint and the problems placed on it.
import type { JSX } from 'preact';

export function TextField({
  id,
  label,
  value,
  onInput,
  hint,
  messages,
  type = 'text',
  required,
  autoComplete = 'off',
  inputMode,
  list,
}: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  hint?: string;
  messages?: string[];
  type?: string;
  required?: boolean;
  autoComplete?: string;
  inputMode?: JSX.HTMLAttributes<HTMLInputElement>['inputMode'];
  list?: string;
}) {
  const invalid = (messages?.length ?? 0) > 0;
  const describedBy = [hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${invalid ? ' field-invalid' : ''}`}>
      <label for={id}>
        {label}
        {required ? (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={id}
        type={type}
        value={value}
        autoComplete={autoComplete}
        inputMode={inputMode}
        list={list}
        spellcheck={false}
        aria-required={required ? 'true' : undefined}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {invalid ? (
        <p class="field-error" id={`${id}-error`}>
          {messages!.join(' ')}
        </p>
      ) : null}
    </div>
  );
}
