import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('labdrop', { version: 1 });
