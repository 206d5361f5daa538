"""Prompts as audio: TTS engines (espeak-ng, gTTS optional, human recordings), the 8 kHz cache, rendering
and previews. Imported by calls/, hotline/, the services and the CLI; imports scripts/ (prompts) and
ivr.config; never storage/, calls/ or hotline/."""
