import QRCode from 'qrcode';

/**
 * The key URI as a QR code, a PNG data: URL an <img> shows directly. Error correction M (15 %)
 * is what authenticator apps read reliably from a screen; a ~90-character URI fits version 5.
 */
export function qrCodeDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}
