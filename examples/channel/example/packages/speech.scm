;;; An example channel for guixml: audio and OCR.

(define-module (example packages speech)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix git-download)
  #:use-module (guix build-system cmake)
  #:use-module (guix build-system copy)
  #:use-module ((guix licenses) #:prefix license:))

;; A voice-chat program whose snippet keeps a vendored noise suppressor that
;; carries a trained network (the rnnoise pattern): tangled weights.
(define-public talkwave
  (package
    (name "talkwave")
    (version "3.4.1")
    (source
     (origin
       (method git-fetch)
       (uri (git-reference
             (url "https://git.example.org/talkwave")
             (commit (string-append "v" version))))
       (file-name (git-file-name name version))
       (sha256
        (base32 "0p6k8gjdv4l5cf0ydcbwzgsqvd6pdywqmw1llhvfv5qdbv5hnrm7"))
       (modules '((guix build utils)))
       (snippet
        #~(begin
            ;; Keep only the noise suppressor among the bundled libraries.
            (for-each delete-file-recursively
                      '("3rdparty/opus" "3rdparty/speex"))
            (with-directory-excursion "3rdparty"
              (rename-file "rnnoise-src" "rnnoise"))))))
    (build-system cmake-build-system)
    (synopsis "Low-latency voice chat")
    (description "Talkwave is a voice chat program for groups, with
echo cancellation and noise suppression.")
    (home-page "https://talkwave.example.org")
    (license license:bsd-3)))

;; OCR language data: trained LSTM models, the payload of the package.
(define-public ocr-data-latin
  (package
    (name "ocr-data-latin")
    (version "4.1.0")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/ocr/" version
                           "/lat.traineddata"))
       (sha256
        (base32 "1ilvrzd4zcn8xyjrx6bv3d0ll0hrj0f4c2j8kcgwbv5fd4z8mrl3"))))
    (build-system copy-build-system)
    (arguments
     (list #:install-plan #~'(("lat.traineddata" "share/tessdata/"))))
    (synopsis "Trained models for optical character recognition of Latin")
    (description "This package provides the trained recognition model for
Latin script.")
    (home-page "https://files.example.org/ocr")
    (license license:asl2.0)))

;; A speech synthesis voice whose weights forbid commercial use: every policy
;; rejects it.  The channel's guixml.toml lists it under [ignore], so audits
;; still show it but do not fail on it.
(define-public voice-demo-nc
  (package
    (name "voice-demo-nc")
    (version "0.3")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/voices/demo-"
                           version ".onnx"))
       (sha256
        (base32 "0h8ddqxbkhp6vmvr5ia7mpz4w0vfbk8a0g5q1dkr0qpy1f8dng1w"))))
    (build-system copy-build-system)
    (arguments
     (list #:install-plan #~'(("." "share/voices/"))))
    (properties
     '((ml-weights . model)
       (ml-weights-license . "CC-BY-NC-4.0")))
    (synopsis "Neural voice for speech synthesis (demonstration)")
    (description "A neural text-to-speech voice for demonstrations.")
    (home-page "https://files.example.org/voices")
    (license (license:non-copyleft "https://files.example.org/voices/LICENSE"))))
