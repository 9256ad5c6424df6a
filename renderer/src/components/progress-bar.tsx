export function ProgressBar({
  fraction,
  label,
  tone = 'normal',
}: {
  fraction: number;
  label: string;
  tone?: 'normal' | 'done' | 'failed' | 'paused' | 'hashing';
}) {
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  return (
    <div
      className={`bar bar-${tone}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      {/* Set through the CSSOM, which the Content-Security-Policy allows. */}
      <div className="bar-fill" style={{ transform: `scaleX(${percent / 100})` }} />
    </div>
  );
}
