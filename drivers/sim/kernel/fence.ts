/**
 * Kept for driver models that import the fence from here (drm/driver.ts
 * names it as part of the driver contract): dma_fence and dma_resv live with
 * dma-buf and sync_file, as in drivers/dma-buf/.
 */
export * from './dma-buf/dma-fence';
export * from './dma-buf/dma-resv';
