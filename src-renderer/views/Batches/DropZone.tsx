import { useEffect, useState } from 'react';

/**
 * The whole window takes drops: an overlay shows while files are dragged over it, and the drop
 * is handed on. Drags of anything but files (text, links) are left alone.
 */
export function DropZone({ onDrop }: { onDrop: (dt: DataTransfer) => void }) {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent): boolean => Boolean(e.dataTransfer?.types.includes('Files'));
    const enter = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      if (--depth <= 0) {
        depth = 0;
        setOver(false);
      }
    };
    const overIt = (e: DragEvent): void => {
      if (hasFiles(e)) e.preventDefault(); // allows the drop
    };
    const drop = (e: DragEvent): void => {
      if (!hasFiles(e) || !e.dataTransfer) return;
      e.preventDefault(); // never let the browser open the file instead
      depth = 0;
      setOver(false);
      onDrop(e.dataTransfer);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overIt);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overIt);
      window.removeEventListener('drop', drop);
    };
  }, [onDrop]);
  if (!over) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay">
      <div>Drop files or folders to run a task on each of them</div>
    </div>
  );
}
