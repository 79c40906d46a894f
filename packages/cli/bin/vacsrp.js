#!/usr/bin/env node
// Committed entry point so npm can link the bin before `prepare` compiles src/ into dist/.
import '../dist/main.js';
