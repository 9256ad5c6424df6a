import { useState, type DragEvent } from 'react';
import { useApp, useAppStore } from '../state/store';
import { FileIcon, FolderIcon, UploadIcon } from './icons';

/** Files and folders come in by drop or through main's dialog; main plans them. */
export function DropZone() {
  const store = useAppStore();
  const planning = useApp((s) => s.plan.status === 'planning');
  const [over, setOver] = useState(false);

  const accept = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void store.getState().dropFiles(event.dataTransfer.files);
  };
  const choose = (kind: 'files' | 'folder') => void store.getState().chooseFiles(kind);

  return (
    <div
      className={`drop-zone ${over ? 'drop-zone-over' : ''}`}
      data-testid="drop-zone"
      aria-label="Drop files or folders here to upload"
      role="region"
      onDragEnter={accept}
      onDragOver={accept}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={onDrop}
    >
      <UploadIcon size={40} />
      <p className="drop-title">{planning ? 'Reading files…' : 'Drop files or folders here'}</p>
      <p className="muted">
        A folder keeps its name in the bucket. Nothing uploads until you confirm.
      </p>
      <div className="row-actions centered">
        <button type="button" className="button button-primary" onClick={() => choose('files')}>
          <FileIcon /> Choose files
        </button>
        <button type="button" className="button" onClick={() => choose('folder')}>
          <FolderIcon /> Choose folder
        </button>
      </div>
    </div>
  );
}
